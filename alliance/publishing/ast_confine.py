"""Confining a chapter's pandoc AST (pandoc JSON) to the book's own files.

After pandoc has read a chapter, every image in it is checked here: an image
whose target is a file of the book (images/... in the snapshot) is embedded
as a data: URI, so the writer never needs to open a file; any other target
(absolute paths, file:, http:, ``..``, missing files, unsupported types) is
replaced by its alt text and reported. Raw blocks and inlines (which the
reader should never produce with raw HTML off) are dropped and reported too.
Identifiers get a per-chapter prefix, so ids stay unique in the whole book.

Every walk here is iterative, with its own stack: a chapter nested thousands of
levels deep is walked like a flat one, never against Python's recursion limit.
"""
import base64

from .markdown import book_image_path

#: Image types EPUB 3 accepts as core media types (and Word can show).
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
#: Node types whose first element is an Attr, and the index of that Attr.
_ATTR_AT = {"Header": 1, "Div": 0, "Span": 0, "Figure": 0, "Table": 0, "CodeBlock": 0,
            "Code": 0, "Link": 0}
#: Link targets a book may keep: web pages and mail; "#..." places are checked later.
LINK_SCHEMES = ("http://", "https://", "mailto:")

_DROP = object()  # a walked node to leave out (None is a legal value: a missing short caption)


def media_type(path):
    """Return the media type of the book image ``path``, or None if it is not a supported type."""
    dot = path.rfind(".")
    return MEDIA_TYPES.get(path[dot:].lower()) if dot >= 0 else None


class Confiner:
    """Walks pandoc JSON of one chapter, rewriting it in place; collects what it left out."""

    def __init__(self, snapshot, label, id_prefix, skipped):
        self.images = snapshot.images
        self.label = label            #: how notes name the chapter (ch02)
        self.prefix = id_prefix       #: "ch02-"
        self.skipped = skipped        #: list the notes are appended to
        self.embedded = []            #: book paths embedded, in order

    def walk(self, node):
        """Return ``node`` (a list, dict or scalar of pandoc JSON) confined, in place.

        Elements are visited in document order (what ``skipped`` and ``embedded``
        list follows it); each list is refilled with what its items became.
        """
        root = [node]
        stack = [(root, iter(root), [])]  # (list, its items still to visit, what they became)
        while stack:
            items, pending, kept = stack[-1]
            item = next(pending, _DROP)
            if item is _DROP:
                items[:] = kept
                stack.pop()
                continue
            replaced, children = self._visit(item)
            if replaced is _DROP:
                continue
            kept.append(replaced)
            for child in reversed(children):
                stack.append((child, iter(list(child)), []))
        return root[0] if root else _DROP

    def _visit(self, node):
        """Return (what ``node`` becomes, the lists inside it still to walk); no recursion."""
        if isinstance(node, list):
            return node, [node]
        if isinstance(node, dict) and "t" not in node:  # a Citation: prefix and suffix inlines
            return node, [value for value in node.values() if isinstance(value, list)]
        if not isinstance(node, dict):
            return node, []
        kind = node["t"]
        if kind in ("RawBlock", "RawInline"):
            self.skipped.append(f"{self.label}: raw {node['c'][0]} markup left out")
            return _DROP, []
        if kind == "Image":
            replaced = self._image(node)
            return replaced, [replaced["c"][1]]  # the alt text, in an Image or a Span
        if kind == "Link" and not _allowed_link(node["c"][2][0]):
            self.skipped.append(f"{self.label}: link {node['c'][2][0][:200]} is not a web address "
                                "or a place in the book; kept as text")
            span = {"t": "Span", "c": [["", [], []], node["c"][1]]}
            return span, [span["c"][1]]
        self._prefix_ids(node)
        return node, [node["c"]] if isinstance(node.get("c"), list) else []

    def _prefix_ids(self, node):
        at = _ATTR_AT.get(node["t"])
        if at is None:
            return
        attr = node["c"][at]
        if attr[0]:
            attr[0] = self.prefix + attr[0]

    def _image(self, node):
        attr, alt, (target, title) = node["c"]
        path = book_image_path(target)
        data = self.images.get(path) if path else None
        kind = media_type(path) if path else None
        if data is None or kind is None:
            reason = ("is not a supported image type" if data is not None
                      else "is not a file of this book")
            self.skipped.append(f"{self.label}: image {target[:200]} {reason}; left out")
            # The alt text stays (walked by the caller), so the reader still sees what was meant.
            return {"t": "Span", "c": [["", ["image-left-out"], []], alt]}
        self.embedded.append(path)
        if attr[0]:
            attr[0] = self.prefix + attr[0]
        uri = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
        return {"t": "Image", "c": [attr, alt, [uri, title]]}


def confine_blocks(blocks, snapshot, label, id_prefix, skipped):
    """Return ``blocks`` confined to ``snapshot``'s images; notes go to ``skipped``.

    Returns (blocks, embedded book image paths).
    """
    confiner = Confiner(snapshot, label, id_prefix, skipped)
    return confiner.walk(blocks), confiner.embedded



def _allowed_link(target):
    return target.lower().startswith(LINK_SCHEMES) or (target.startswith("#") and len(target) > 1)


def _nodes(node):
    """Yield every pandoc element (dict with "t") inside ``node``, in document order.

    An element's contents are looked at after it is yielded, so a caller may rewrite it.
    """
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict) and "t" in item:
            yield item
            stack.append(item.get("c"))


def _ids(blocks):
    found = set()
    for node in _nodes(blocks):
        at = _ATTR_AT.get(node["t"], 0 if node["t"] == "Image" else None)
        if at is not None and node["c"][at][0]:
            found.add(node["c"][at][0])
    return found


def resolve_links(chapters, skipped):
    """Point every "#place" link of ``chapters`` [(key, blocks)] at an id that exists.

    A place is looked up in the link's own chapter first (ids carry the
    chapter prefix), then anywhere in the book; a link to no place is turned
    into its text and noted in ``skipped``, so no reader follows a dead link.
    """
    ids = set().union(*(_ids(blocks) for _key, blocks in chapters)) if chapters else set()
    keys = [key for key, _blocks in chapters]
    for key, blocks in chapters:
        for node in _nodes(blocks):
            if node["t"] != "Link" or not node["c"][2][0].startswith("#"):
                continue
            place = node["c"][2][0][1:]
            candidates = [f"{key}-{place}", place] + [f"{k}-{place}" for k in keys]
            found = next((c for c in candidates if c in ids), None)
            if found:
                node["c"][2][0] = "#" + found
            else:
                skipped.append(f"{key}: link #{place[:200]} goes to no place in the book; kept as text")
                node["t"], node["c"] = "Span", [["", [], []], node["c"][1]]
