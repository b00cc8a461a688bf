"""Small helpers shared by tests that start real servers."""
import contextlib
import itertools
import os
import random
import socket
import subprocess

# Under pytest-xdist each worker (PYTEST_XDIST_WORKER gw0, gw1, ...) hands out ports from a
# block of its own below the kernel's ephemeral range (32768 and up on Linux), so two workers
# never pick the same port, and no outgoing connection is given a port a server is about to bind.
PORT_BLOCK_START, PORT_BLOCK_SIZE, PORT_BLOCKS = 20000, 1000, 12
_counter = itertools.count(random.randrange(PORT_BLOCK_SIZE))


def _worker_number():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def _bindable(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    Under pytest-xdist the port comes from this worker's own block, in turn, so a port
    handed out is not handed out again soon; otherwise the kernel picks one.
    """
    worker = _worker_number()
    if worker is not None:
        start = PORT_BLOCK_START + (worker % PORT_BLOCKS) * PORT_BLOCK_SIZE
        for _ in range(PORT_BLOCK_SIZE):
            port = start + next(_counter) % PORT_BLOCK_SIZE
            if _bindable(port):
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def push_holding_main(git_dir):
    """Act as a push in progress: ``main.lock`` taken and a live git process in the book.

    On leaving, the git process ends and the lock stays behind, as a killed push leaves it.
    Yields the lock's path.
    """
    lock = os.path.join(git_dir, "refs/heads/main.lock")
    with open(lock, "w") as handle:
        handle.write("held\n")
    pusher = subprocess.Popen(["git", "update-ref", "--stdin"], cwd=git_dir,
                              stdin=subprocess.PIPE)
    try:
        yield lock
    finally:
        pusher.communicate(b"")
