"""book.yaml: the book's metadata and chapter order, as stored in Git."""
import yaml

from ..errors import Invalid

DEFAULTS = {"language": "zh-CN", "trim": "16k", "editors": [], "isbn": "", "chapters": []}


def parse(data):
    """Return the book.yaml mapping from bytes, with defaults filled in; Invalid if malformed."""
    try:
        meta = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Invalid(f"book.yaml is not valid YAML: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("chapters", []), list):
        raise Invalid("book.yaml must be a mapping with a list of chapters")
    return {**DEFAULTS, **meta}


def dump(meta):
    """Return book.yaml bytes for ``meta``, readable by people (UTF-8, keys in order)."""
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return text.encode("utf-8")


def new(title, subtitle=""):
    """Return the metadata of a new book with no chapters."""
    return {"title": title, "subtitle": subtitle, **DEFAULTS, "chapters": []}


def add_chapter(meta, key, title, path):
    """Return ``meta`` with a chapter entry appended at the end of the order."""
    chapters = [c for c in meta["chapters"] if c.get("id") != key]
    chapters.append({"id": key, "title": title, "file": path})
    return {**meta, "chapters": chapters}
