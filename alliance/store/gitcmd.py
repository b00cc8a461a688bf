"""Running git plumbing commands against one bare repository."""
import os
import subprocess

from .errors import StoreError

# The platform commits; people are the authors of what they wrote.
_BASE_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


class GitFailed(StoreError):
    """A git command exited non-zero; ``stderr`` says why."""

    def __init__(self, args, code, stderr):
        super().__init__(f"git {args[0]} failed ({code}): {stderr.strip()[:300]}")
        self.code = code
        self.stderr = stderr


def run(git_dir, args, input=None, env=None, ok_codes=(0,)):
    """Run ``git args`` in ``git_dir``; return (exit code, stdout bytes).

    Raises GitFailed when the exit code is not in ``ok_codes``. Arguments are
    passed as a list, never through a shell.
    """
    full_env = dict(os.environ)
    full_env.update(_BASE_ENV)
    full_env["GIT_DIR"] = str(git_dir)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        ["git", *args], input=input, env=full_env, cwd=str(git_dir),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    if proc.returncode not in ok_codes:
        raise GitFailed(args, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc.returncode, proc.stdout


def output(git_dir, args, **kwargs):
    """Run git and return its stdout as stripped text."""
    return run(git_dir, args, **kwargs)[1].decode("utf-8").strip()
