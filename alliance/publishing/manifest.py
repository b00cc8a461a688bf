"""The manifest written beside every export: what went in, with what tools, what came out.

Enough to tell whether two exports were built from the same text by the same
pipeline: the commit, each chapter's blob, the tool versions, the fonts and the
artifacts, each with its sha256.
"""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

MANIFEST_NAME = "manifest.json"


def sha256_of(path):
    """Return the hex sha256 of the file at ``path``, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def tool_versions():
    """Return {"pandoc": ..., "weasyprint": ...}: the versions this process renders with."""
    versions = {}
    try:
        import pypandoc
        versions["pandoc"] = pypandoc.get_pandoc_version()
    except (ImportError, OSError, RuntimeError):
        versions["pandoc"] = None
    try:
        import weasyprint
        versions["weasyprint"] = weasyprint.__version__
    except ImportError:
        versions["weasyprint"] = None
    return versions


def font_entries(paths):
    """Return [{"file", "sha256"}] for the font files ``paths`` (missing files are skipped)."""
    return [{"file": Path(p).name, "path": str(p), "sha256": sha256_of(p)}
            for p in sorted(set(map(str, paths))) if Path(p).is_file()]


def build(snapshot, proof, profile, artifacts, fonts):
    """Return the manifest dict of an export of ``snapshot`` that produced ``artifacts``
    (export.Artifact) using ``fonts`` (font file paths)."""
    return {
        "book": snapshot.slug,
        "title": snapshot.title,
        "commit": snapshot.commit,
        "proof": bool(proof),
        "profile": profile,
        "chapters": [{"key": c.key, "path": c.path, "blob": c.blob_id}
                     for c in snapshot.chapters],
        "tools": tool_versions(),
        "fonts": font_entries(fonts),
        "artifacts": [{"format": a.format, "file": Path(a.path).name, "sha256": a.sha256,
                       "bytes": a.bytes, "skipped": list(a.report.skipped),
                       "pages": a.report.pages} for a in artifacts],
    }


def write(folder, manifest):
    """Write ``manifest`` as ``folder``/manifest.json (UTF-8, sorted keys); return its path."""
    path = Path(folder) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def read(folder):
    """Return the manifest dict in ``folder``, or None when there is none."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
