"""How a page tells the person that a service refused: the one place a PorchError becomes
the page's message."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.http import HttpRequest

from porch.errors import NotAllowed, PorchError


@contextmanager
def refusals_shown(request: HttpRequest) -> Iterator[None]:
    """Run a page's action; a PorchError it raises becomes an error message on the next
    page, and the view goes on (to its redirect). A refusal by role stays a 403 page."""
    try:
        yield
    except NotAllowed:
        raise
    except PorchError as exc:
        messages.error(request, exc.message)
