"""Running pandoc as a confined child process.

Every book render that needs pandoc goes through ``run_pandoc``: the child
gets a wall-clock timeout, a CPU-time limit, a GHC heap limit (``+RTS -M``)
and an address-space limit (RLIMIT_AS; GHC's runtime falls back to a smaller
address-space reservation when the large one is refused), runs in a folder the
caller chooses (a private temporary folder) and inherits no stdin. Markdown is
always read as ``MARKDOWN``: raw HTML, raw attributes and raw TeX are off, so
markup in a chapter is text, never a way to pull in a file.
"""
import resource
import subprocess

import pypandoc

from ..errors import Invalid

# east_asian_line_breaks: a line break inside a paragraph between two Chinese characters
# is dropped, not turned into a space ("第一句。 第二句。"), as authors who wrap their
# lines in an editor expect; between Latin words it stays a space.
MARKDOWN = "markdown-raw_html-raw_attribute-raw_tex+east_asian_line_breaks"
TIMEOUT_S = 120
MEMORY_MB = 2048


class PandocError(Invalid):
    """Pandoc failed, overran its time, or ran out of memory."""

    code = "pandoc_failed"


def pandoc_path():
    """Return the path of the pandoc binary pypandoc-binary ships."""
    return pypandoc.get_pandoc_path()


def _limiter(timeout, memory_mb):
    def limit():
        # Runs in the child between fork and exec.
        cpu = int(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        # Address space: the heap limit plus room for code, stacks and mappings.
        space = (memory_mb + 1024) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
    return limit


def run_pandoc(args, input_bytes=None, *, timeout=TIMEOUT_S, memory_mb=MEMORY_MB, cwd=None,
               env=None):
    """Run pandoc with ``args`` (without the program name) and return its stdout bytes.

    ``input_bytes`` is fed on stdin (None: empty stdin). The child may run at
    most ``timeout`` seconds (wall clock and CPU) and use at most ``memory_mb``
    MB of heap; it runs in ``cwd`` (the caller's private folder) with an
    environment holding only PATH, HOME (= cwd), LANG and what ``env`` adds.
    Raises PandocError with pandoc's message when it fails or overruns.
    """
    command = [pandoc_path(), *args, "+RTS", f"-M{int(memory_mb)}m", "-RTS"]
    child_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(cwd or "/nonexistent")}
    child_env.update(env or {})
    try:
        done = subprocess.run(command, input=input_bytes or b"", capture_output=True,
                              timeout=timeout, cwd=cwd, env=child_env,
                              preexec_fn=_limiter(timeout, memory_mb), check=False)
    except subprocess.TimeoutExpired:
        raise PandocError(f"pandoc took longer than {timeout} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[:500]
        if done.returncode < 0 or "Heap exhausted" in message or "out of memory" in message:
            raise PandocError(f"pandoc ran out of memory or time (limit {memory_mb} MB): "
                              f"{message or 'killed by signal ' + str(-done.returncode)}")
        raise PandocError(f"pandoc failed: {message}")
    return done.stdout

