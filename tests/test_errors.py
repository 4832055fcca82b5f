"""One error tree: every error a person reads is a PorchError carrying its plain message,
drawn in porch/errors.py's docstring; intents and sentiments are defined once."""

import importlib
import pkgutil

import pytest
from django.core.exceptions import PermissionDenied

import porch
from porch import errors
from porch.errors import InputError, NotAllowed, PorchError, Unavailable
from porch.networks.base import ErrorCode, NetworkError

# Exceptions that no person reads: control flow inside one module, a programming mistake,
# the benchmarks' own, and the CLI's (click prints those itself); the stream's: an event
# skipped, a cursor the server refused (both logged), a lease that moved on.
INTERNAL = {
    "_Ended",
    "SecretError",
    "PeriodicConflict",
    "ServerUnavailable",
    "BadEvent",
    "LeaseLost",
    "_FutureCursor",
    "_Moved",  # porch.people.services: a race lost, looked at again; never shown
    "_Lost",  # porch.people.sync: another worker swept the batch; never shown
    "GoneChannel",  # porch.inbox.alerts: a delivery by a channel no longer used; settled
}


def porch_exceptions() -> list[type[Exception]]:
    """Every exception class defined in Porch's runtime modules."""
    found: list[type[Exception]] = []
    for module in pkgutil.walk_packages(porch.__path__, "porch."):
        if ".migrations" in module.name or module.name.startswith("porch.bench"):
            continue
        try:
            imported = importlib.import_module(module.name)
        except ModuleNotFoundError as exc:  # an optional extra (the transformer's)
            if (exc.name or "").startswith("porch"):
                raise
            continue
        found += [
            value
            for value in vars(imported).values()
            if isinstance(value, type)
            and issubclass(value, Exception)
            and value.__module__ == module.name
        ]
    return found


def test_every_error_a_person_reads_is_a_porch_error_drawn_in_the_tree() -> None:
    classes = porch_exceptions()
    assert {"ComposeError", "ReplyError", "FetchError", "NetworkError"} <= {
        c.__name__ for c in classes
    }
    for cls in classes:
        if cls.__name__ in INTERNAL or cls.__module__ == "click.exceptions":
            continue
        if any(base.__module__.startswith("click") for base in cls.__mro__):
            continue
        assert issubclass(cls, PorchError), f"{cls.__module__}.{cls.__name__}"
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is not drawn in errors.py"


def test_the_message_is_the_plain_sentence() -> None:
    refused = InputError("Pick a time like 09:00.")
    assert refused.message == str(refused) == "Pick a time like 09:00."
    network = NetworkError("X is down", permanent=False, code=ErrorCode.UNREACHABLE)
    assert isinstance(network, PorchError) and network.message == "X is down"


def test_a_refusal_by_role_is_djangos_permission_denied_so_pages_answer_403() -> None:
    with pytest.raises(PermissionDenied):
        raise NotAllowed("Only an owner or manager can approve posts.")
    assert not issubclass(InputError, PermissionDenied)
    assert not issubclass(Unavailable, PermissionDenied)


def test_errors_that_were_value_errors_still_are() -> None:
    from porch.insights.report import ReportError

    assert issubclass(ReportError, ValueError) and issubclass(ReportError, PorchError)


def test_intents_and_sentiments_are_defined_once_by_triage() -> None:
    from porch.inbox import models as inbox
    from porch.triage import base
    from porch.triage.models import TriageCorrection

    assert inbox.Intent is base.Intent and inbox.Sentiment is base.Sentiment
    assert tuple(base.Intent.values) == base.INTENTS
    assert tuple(base.Sentiment.values) == base.SENTIMENTS
    for field in (
        inbox.Conversation._meta.get_field("intent"),
        inbox.Message._meta.get_field("intent"),
        TriageCorrection._meta.get_field("intent"),
    ):
        assert [value for value, _ in field.choices or []] == list(base.INTENTS)
    sentiment = inbox.Message._meta.get_field("sentiment")
    assert [value for value, _ in sentiment.choices or []] == list(base.SENTIMENTS)
