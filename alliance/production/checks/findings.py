"""What the pre-publication checks report: findings, one result per named check, the report."""
from dataclasses import dataclass, field

from ...errors import DomainError

ERROR, WARNING = "error", "warning"
PASSED, FAILED, WARNINGS, SKIPPED = "passed", "failed", "warnings", "skipped"


@dataclass(frozen=True)
class Finding:
    """One thing a check found: its level, an English message template and where."""
    level: str                 #: error | warning
    template: str              #: English, with %(name)s fields; the msgid pages translate
    params: dict = field(default_factory=dict)
    where: str = ""            #: chapters/ch01.md:12, book.pdf p. 3, ...

    @property
    def message(self):
        """Return the English message with its fields filled in."""
        return self.template % self.params

    def as_dict(self):
        """Return the finding as JSON-ready data."""
        return {"level": self.level, "message": self.message, "where": self.where}


@dataclass
class CheckResult:
    """The outcome of one named check."""
    key: str                   #: review, epubcheck, pdf_fonts, ...
    title: str                 #: English name; pages translate it
    findings: list = field(default_factory=list)
    skipped: str = ""          #: why the check did not run (English), '' when it ran

    @property
    def errors(self):
        """Return the findings of error level."""
        return [f for f in self.findings if f.level == ERROR]

    @property
    def status(self):
        """Return passed, failed (an error), warnings (only warnings) or skipped."""
        if self.skipped:
            return SKIPPED
        if self.errors:
            return FAILED
        return WARNINGS if self.findings else PASSED

    def as_dict(self):
        """Return the result as JSON-ready data."""
        return {"check": self.key, "title": self.title, "status": self.status,
                "skipped": self.skipped, "findings": [f.as_dict() for f in self.findings]}


@dataclass
class Report:
    """Every check's result for one book at one commit."""
    book: str
    commit: str
    edition: str | None
    results: list = field(default_factory=list)

    @property
    def failed(self):
        """Return the results that failed."""
        return [r for r in self.results if r.status == FAILED]

    @property
    def ok(self):
        """Return True when no check failed."""
        return not self.failed

    def as_dict(self):
        """Return the report as JSON-ready data."""
        return {"book": self.book, "commit": self.commit, "edition": self.edition,
                "ok": self.ok, "checks": [r.as_dict() for r in self.results]}


class CheckFailed(DomainError):
    """A pre-publication check failed: delivery is refused. The message names check and finding."""

    code = "check_failed"
    status = 409

    @classmethod
    def from_report(cls, report):
        """Return the error for a report with failures, naming each failed check's first finding."""
        parts = []
        for result in report.failed:
            first = result.errors[0]
            more = len(result.errors) - 1
            where = f" ({first.where})" if first.where else ""
            parts.append(f"{result.title}: {first.message}{where}"
                         + (f" and {more} more" if more else ""))
        return cls("pre-publication check failed: " + "; ".join(parts),
                   checks=[r.key for r in report.failed], report=report)
