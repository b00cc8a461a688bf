"""A long-lived ``pandoc lua`` process per worker turning chapter Markdown into HTML.

A pandoc process per page view spent most of its 18 ms starting and preparing its
HTML writer; the same conversion in a process kept running takes a few ms (the
pandoc server mode needs a threaded runtime pypandoc-binary's pandoc lacks). The
process runs markdown_html.lua: Markdown is read with raw HTML off in a sandbox
holding no files, as ``pandoc --sandbox`` reads it. It has a heap limit and a time
limit per conversion; when it fails, overruns or dies it is killed and the next
conversion starts a new one, and it is replaced after RECYCLE_AFTER conversions.
"""
import os
import select
import subprocess
import threading
import time
from pathlib import Path

from .pandoc_run import MARKDOWN, PandocError, pandoc_path

SCRIPT = Path(__file__).with_name("markdown_html.lua")
TIMEOUT_S = 30
MEMORY_MB = 512
RECYCLE_AFTER = 2000  # conversions: a long-lived heap stays small


class _Converter:
    def __init__(self):
        self.lock = threading.Lock()
        self.proc, self.pid, self.count, self.pending = None, None, 0, b""

    def convert(self, text):
        """Return the HTML of Markdown ``text``, starting the long-lived process if needed."""
        with self.lock:
            data = text.encode("utf-8")
            proc = self._process()
            try:
                proc.stdin.write(b"%d\n" % len(data) + data)
                proc.stdin.flush()
                status, body = self._answer(proc, time.monotonic() + TIMEOUT_S)
            except (OSError, ValueError, TimeoutError) as exc:
                self._stop()
                raise PandocError(f"pandoc failed or took longer than {TIMEOUT_S} s: "
                                  f"{exc}") from None
            self.count += 1
            if self.count >= RECYCLE_AFTER:
                self._stop()
            if status != b"ok":
                raise PandocError("pandoc failed: " + body.decode("utf-8", "replace")[:300])
            return body.decode("utf-8")

    def _process(self):
        if self.proc is None or self.pid != os.getpid() or self.proc.poll() is not None:
            if self.pid == os.getpid():
                self._stop()  # never touch a process a parent (before fork) started
            self.proc = subprocess.Popen(
                [pandoc_path(), "+RTS", f"-M{MEMORY_MB}m", "-RTS", "lua", str(SCRIPT),
                 MARKDOWN],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"},
                cwd="/")
            self.pid, self.count, self.pending = os.getpid(), 0, b""
        return self.proc

    def _read(self, proc, size, deadline):
        """Read until ``size`` bytes are pending (None: until a newline); return them."""
        fd = proc.stdout.fileno()
        while (b"\n" not in self.pending) if size is None else (len(self.pending) < size):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("no answer")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise OSError("pandoc exited")
            self.pending += chunk
        end = self.pending.index(b"\n") + 1 if size is None else size
        out, self.pending = self.pending[:end], self.pending[end:]
        return out

    def _answer(self, proc, deadline):
        status, size = self._read(proc, None, deadline).split()
        return status, self._read(proc, int(size), deadline)

    def _stop(self):
        if self.proc is not None and self.pid == os.getpid():
            self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                stream.close()
        self.proc, self.pending = None, b""


_converter = _Converter()


def markdown_to_html(text):
    """Return pandoc's HTML5 fragment for chapter Markdown ``text`` (raw HTML off).

    Raises PandocError when pandoc fails, runs out of memory or takes over TIMEOUT_S.
    """
    return _converter.convert(text)
