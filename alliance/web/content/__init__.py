"""Pages for a book's content: chapter management, images, Word import and search."""
from . import chapters, images, search, word_import  # noqa: F401  (routes on bp)
from .blueprint import bp

__all__ = ["bp"]
