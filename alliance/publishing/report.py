"""What a render reports back besides its file."""
from dataclasses import dataclass, field


@dataclass
class RenderReport:
    """The outcome of one render: what confinement skipped, and what went in."""
    #: Human-readable notes of what was refused and left out, e.g.
    #: "ch02: image /etc/hostname is not a file of this book; left out".
    skipped: list = field(default_factory=list)
    #: Font files the artifact embeds (absolute paths), for the manifest.
    fonts: list = field(default_factory=list)
    #: Page count (PDF) or None.
    pages: int | None = None
    #: Free-form figures worth recording (timings, cache hits).
    stats: dict = field(default_factory=dict)


def noop_progress(fraction, message=""):
    """A progress callback that ignores what it is told."""
