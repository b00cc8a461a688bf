"""`alliance export`, `alliance edition` and `alliance worker` (issues 6 and 9)."""
from .cli import main  # noqa: F401
