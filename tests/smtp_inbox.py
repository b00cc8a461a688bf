"""A real local SMTP server's handler that keeps every message, for the review mail tests."""
import email
import email.policy


class Inbox:
    """An aiosmtpd handler keeping (recipients, subject, body) of every message."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((sorted(envelope.rcpt_tos), message["Subject"],
                           message.get_body().get_content()))
        return "250 OK"
