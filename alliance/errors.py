"""Domain errors raised by services; web/ and api/ turn them into answers.

Each carries a stable ``code`` (the API's ``error`` field) and an English
message; the layers facing people translate by code.
"""


class DomainError(Exception):
    """Base of the errors services raise for the person asking to see."""

    code = "invalid"
    status = 400

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The object does not exist, or is not within the book the request names."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """The person may not do this with this object."""

    code = "forbidden"
    status = 403


class Invalid(DomainError):
    """The input is malformed; the message says which field and why."""

    code = "invalid"
    status = 400


class AlreadyExists(DomainError):
    """Something with this name already exists."""

    code = "exists"
    status = 409


class ChapterLocked(DomainError):
    """The chapter is approved; it must be reopened before it can change."""

    code = "locked"
    status = 423


class ChapterInReview(ChapterLocked):
    """The chapter is with its reviewers; its text waits until they pass it or send it back.

    Nothing may change the text a review stage is reading: every stage passes the
    revision that was submitted, and that revision is what the final approval pins.
    """

    code = "in_review"
