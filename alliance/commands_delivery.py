"""`alliance deliver` and `alliance prepub-check` (issue 7)."""
from .cli import main  # noqa: F401
