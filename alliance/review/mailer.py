"""Sending notification e-mails after the transaction that caused them, with retries.

A mail is queued as plain data (server, sender, recipient, subject, body) in the
session's outbox; nothing is built or sent inside the transaction. After the
commit the outbox is sent once at once; mails that could not be sent are tried
again by a background thread after RETRY_DELAYS, then given up with an error in
the log. A rollback drops the outbox. Building a message never raises: header
values are made one line (names.header_text), and a mail that still cannot be
built is logged and dropped. Nothing here can fail the request that queued it.
"""
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..names import header_text

OUTBOX = "alliance_outbox"
#: Seconds to wait before each further attempt at a mail the server did not take.
RETRY_DELAYS = (30, 120, 600)
SMTP_TIMEOUT = 10


def _log():
    # Looked up now, not at import: alembic's fileConfig (migrations run in-process by
    # `alliance init` and `demo`) disables every logger that existed before it.
    return logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One e-mail waiting to be sent."""

    host: str
    port: int
    sender: str
    to: str
    subject: str
    body: str


def queue(session, mail):
    """Add ``mail`` to ``session``'s outbox: it is sent once the session commits."""
    session.info.setdefault(OUTBOX, []).append(mail)


def build(mail):
    """Return the EmailMessage of ``mail``, its headers made safe one-line text."""
    message = EmailMessage()
    message["Subject"] = header_text(mail.subject)[:900]
    message["From"] = header_text(mail.sender)
    message["To"] = header_text(mail.to)
    message.set_content(mail.body)
    return message


def deliver(mails):
    """Try to send ``mails`` now, one connection per server; return those not sent."""
    by_server, failed = {}, []
    for mail in mails:
        by_server.setdefault((mail.host, mail.port), []).append(mail)
    for (host, port), batch in by_server.items():
        messages = []
        for mail in batch:
            try:
                messages.append((mail, build(mail)))
            except Exception:  # noqa: BLE001  (a bad mail is dropped, never raised)
                _log().exception("could not build a notification e-mail to %s; dropped",
                                 header_text(mail.to))
        try:
            with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as smtp:
                while messages:
                    smtp.send_message(messages[0][1])
                    messages.pop(0)
        except (OSError, smtplib.SMTPException):
            _log().warning("could not send %d notification e-mail(s) via %s:%s",
                           len(messages), host, port, exc_info=True)
            failed += [mail for mail, _message in messages]
    return failed


class _Retrier:
    """One daemon thread per process, trying failed mails again after RETRY_DELAYS."""

    def __init__(self):
        self.lock = threading.Condition()
        self.waiting = []  # (due time, attempt number, mail)
        self.thread = None

    def add(self, mails, attempt=1):
        """Queue ``mails`` for try number ``attempt``; past the last retry, log them."""
        if attempt > len(RETRY_DELAYS):
            for mail in mails:
                _log().error("gave up sending a notification e-mail to %s after %d attempts",
                             header_text(mail.to), attempt)
            return
        due = time.monotonic() + RETRY_DELAYS[attempt - 1]
        with self.lock:
            self.waiting += [(due, attempt, mail) for mail in mails]
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="alliance-mail",
                                               daemon=True)
                self.thread.start()
            self.lock.notify()

    def pending(self):
        """Return how many mails wait for another attempt."""
        with self.lock:
            return len(self.waiting)

    def _run(self):
        while True:
            with self.lock:
                now = time.monotonic()
                due = [w for w in self.waiting if w[0] <= now]
                self.waiting = [w for w in self.waiting if w[0] > now]
                if not due:
                    self.lock.wait(min((w[0] for w in self.waiting), default=now + 60) - now)
                    continue
            for attempt in sorted({a for _due, a, _mail in due}):
                mails = [m for _due, a, m in due if a == attempt]
                try:
                    self.add(deliver(mails), attempt + 1)
                except Exception:  # noqa: BLE001  (the thread must keep running)
                    _log().exception("notification e-mail retry failed")


retrier = _Retrier()


def send(mails):
    """Send ``mails`` now; hand those the server did not take to the retrier. Never raises."""
    try:
        failed = deliver(mails)
        if failed:
            retrier.add(failed)
    except Exception:  # noqa: BLE001  (after the commit nothing may fail the request)
        _log().exception("could not send %d notification e-mail(s)", len(mails))


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    outbox = session.info.pop(OUTBOX, None)
    if outbox:
        send(outbox)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(OUTBOX, None)
