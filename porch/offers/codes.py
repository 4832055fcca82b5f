"""Offer codes: the alphabet, how a code is typed and shown, and its QR.

A per-person code is 8 symbols from a 30-letter alphabet with no look-alikes (no 0/O,
1/I/L, U): 30**8 = 6.6e11 codes, 39 bits. It is stored folded ("ABCDEFGH") and shown in
two halves ("ABCD-EFGH"); what staff type is folded the same way (upper case, spaces and
dashes dropped), so "abcd efgh" finds it, and a look-alike ("0", "O", "I", "L", "U") is
refused without a lookup.

A shared code is the owner's own readable word ("CRUMB-SPRING"): letters, digits and
dashes, not secret (it is posted), guarded by the offer's limits. It is folded too, so
"crumb spring" at the counter finds it.
"""

import io
import re
import secrets

import segno
from django.conf import settings
from django.urls import reverse

from porch.errors import InputError
from porch.offers.models import Code

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PERSONAL_LENGTH = 8
SHARED_MIN, SHARED_MAX = 3, 32

_SHARED = re.compile(r"[A-Z0-9-]+")
_DROPPED = str.maketrans("", "", " -\t\u00a0")


def new_personal_code() -> str:
    """A fresh random per-person code, folded (no dash). The caller retries on a clash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PERSONAL_LENGTH))


def fold(text: str) -> str:
    """What was typed, as codes are stored: upper case, spaces and dashes dropped."""
    return (text or "").upper().translate(_DROPPED)


def is_personal_shape(folded: str) -> bool:
    """Whether a folded text could be a per-person code at all (right length, alphabet)."""
    return len(folded) == PERSONAL_LENGTH and all(ch in ALPHABET for ch in folded)


def display(code: "Code | str", personal: bool = True) -> str:
    """A code as people read it: a per-person code in two halves, "ABCD-EFGH"."""
    if isinstance(code, Code):
        personal, text = code.personal, code.code
    else:
        text = code
    if not personal:
        return text
    half = len(text) // 2
    return f"{text[:half]}-{text[half:]}" if len(text) == PERSONAL_LENGTH else text


def check_shared(text: str) -> str:
    """A shared code as the owner wrote it, upper-cased; InputError says what is wrong."""
    shown = (text or "").strip().upper()
    if not SHARED_MIN <= len(shown) <= SHARED_MAX or not _SHARED.fullmatch(shown):
        raise InputError(
            f"A shared code is {SHARED_MIN} to {SHARED_MAX} letters, digits and dashes, "
            "such as CRUMB-SPRING."
        )
    if len(fold(shown)) < SHARED_MIN:
        raise InputError(f"A shared code needs at least {SHARED_MIN} letters or digits.")
    return shown


def code_url(code: "Code | str") -> str:
    """Where a per-person code's QR leads: {LINK_HOST}/c/<code>/ (staff: the counter)."""
    text = code.code if isinstance(code, Code) else fold(code)
    return settings.LINK_HOST.rstrip("/") + reverse("offers:code", args=[text])


def qr_svg(url: str) -> str:
    """The QR code of `url` as SVG markup to put in a page (segno writes no script)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=4, svgclass="qr"
    )
    return out.getvalue().decode("ascii")


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of `url` as a PNG image (for print sheets), `scale` pixels a module."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=max(1, min(scale, 40)), border=4)
    return out.getvalue()
