"""The errors a person sees: one tree, each carrying the plain sentence they read.

    PorchError                 anything Porch refuses or cannot do; `.message` says why and,
                               where it can, what to do, in words for the person who asked
      NotAllowed               the member's role does not allow it (also Django's
                               PermissionDenied, so a page that does not catch it answers 403)
      NotFound                 what was asked for is not there (or not in this workspace)
      Conflict                 it changed meanwhile, or its state does not allow this now
      InputError               what was given cannot be used as it is
        ComposeError           publishing/compose.py: a post as written cannot be saved
        ReplyError             inbox/replies.py: a reply cannot be stored or sent as it is
        FeedError              publishing/feeds.py: a feed or newsletter cannot be read
        FetchError             core/fetch.py: an address cannot be fetched
          AddressRefused         the address itself is not allowed (a private one)
        MemberError            workspaces/services.py: sign-up, invitations, members
        ConfigError            config.py: a setting is missing or malformed
        ArchiveError, StreamError, TooBig, CarError
                               a network's history archive cannot be imported
        ReportError            insights/report.py: the report cannot be made as asked
        SearchSyntaxError      networks/query.py: a listening search cannot be read
        RowsError, LexiconError
                               triage: a data file or lexicon is unusable
        EvaluationError        bench: an evaluation set is unusable
      Unavailable              something Porch needs is not here
        TierUnavailable        triage: an optional extra is not installed
        TrainingUnavailable    bench: training needs PyTorch, transformers, base weights
        ModelFileError         triage: a model file cannot be loaded
      ApiError                 api/errors.py: an API call refused with its HTTP status and a
                               stable code (a token that failed, a missing scope, too many calls)
      NetworkError             networks/base.py: a network failed; `.code` is an ErrorCode,
                               with .permanent, .retry_after, .reconnect, .outcome_unknown
        GraphError             networks/facebook/errors.py: keeps the Graph API's code and
                               subcode, so a connect error says what to fix

Services raise these; a page shows `.message` (core/feedback.py), the CLI prints it. This
module is the lowest layer: it imports nothing from Porch.
"""

from django.core.exceptions import PermissionDenied


class PorchError(Exception):
    """Porch refuses or cannot do something; `message` is the sentence the person reads."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)
        self.message = message


class NotAllowed(PorchError, PermissionDenied):
    """The member's role does not allow this."""


class NotFound(PorchError):
    """What was asked for is not there, or not in this workspace."""


class Conflict(PorchError):
    """It changed meanwhile, or its state does not allow this now."""


class InputError(PorchError):
    """What was given cannot be used as it is: the message says how to put it right."""


class Unavailable(PorchError):
    """Something Porch needs is not here (an optional extra, a model file)."""
