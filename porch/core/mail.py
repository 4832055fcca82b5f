"""Building email: the one place header values are made safe.

Subjects and addresses are built from what users and customers typed (a workspace's
name, a customer's handle). A CR or LF in a header value either adds a header of its
own (`x\\nBcc: y`) or makes Django refuse the whole message, so every message Porch
sends is built here, from values `header` has put on one line.
"""

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
_SPACES = re.compile(r" {2,}")
MAX_HEADER = 200


def header(value: str, limit: int = MAX_HEADER) -> str:
    """`value` on one line: line breaks and other control characters become one space."""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return flat[:limit]


def message(
    subject: str, body: str, to: Sequence[str], from_email: str | None = None
) -> EmailMultiAlternatives:
    """An email whose subject, sender and recipients are one-line header values."""
    return EmailMultiAlternatives(
        header(subject),
        body,
        header(from_email or settings.DEFAULT_FROM_EMAIL),
        [header(address, 320) for address in to if header(address, 320)],
    )


def why_not_sent(exc: Exception) -> str:
    """One line saying why sending failed, naming the mail server when it is SMTP."""
    reason = header(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        return f"{reason} (mail server {server}: set PORCH_SMTP_HOST and PORCH_SMTP_PORT)"
    return reason
