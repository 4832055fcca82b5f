"""A person's codes and redemptions under privacy's erase and export (porch.people.privacy
asks; offers registers these from its AppConfig.ready()).

Erasing a person keeps the offer's counts and revenue true but anonymous: codes that reached
them, and their redemptions, lose every link to them (identity, person, the message's id and
any error naming them); codes that never reached them (queued, skipped, failed) are deleted.
"""

from typing import Any

from django.db.models import Q, QuerySet

from porch.offers import codes
from porch.offers.models import Code, CodeState, Redemption
from porch.people.privacy import Subject, plain

UNSENT = (CodeState.QUEUED, CodeState.SKIPPED, CodeState.FAILED)
PRIVATE = ("workspace", "claimed_by", "claimed_at", "check_first", "idempotency_key", "retry_at")


def their_codes(subject: Subject) -> QuerySet[Code]:
    identities = [identity.pk for identity in subject.identities]
    theirs = Q(person=subject.person) | Q(identity_id__in=identities)
    return Code.objects.filter(workspace=subject.workspace, personal=True).filter(theirs)


def their_redemptions(subject: Subject) -> QuerySet[Redemption]:
    found = their_codes(subject)
    theirs = Q(person=subject.person) | Q(code__in=found)
    return Redemption.objects.filter(workspace=subject.workspace).filter(theirs)


def erase_offers(subject: Subject) -> dict[str, int]:
    """Their codes and redemptions, anonymous; codes never sent to them, deleted."""
    redemptions = their_redemptions(subject).update(person=None)
    found = their_codes(subject)
    unsent = found.filter(state__in=UNSENT, redeemed_at__isnull=True).delete()[0]
    kept = their_codes(subject).update(identity=None, person=None, external_id="", error="")
    return {"offer_codes": unsent + kept, "offer_redemptions": redemptions}


def export_offers(subject: Subject) -> dict[str, Any]:
    """Their codes (with the offer's title and the code as shown) and their redemptions."""
    exported_codes = []
    for code in their_codes(subject).select_related("offer").order_by("created_at", "pk"):
        row = plain(code, exclude=PRIVATE)
        row.update(offer_title=code.offer.title, code=codes.display(code))
        exported_codes.append(row)
    redemptions = their_redemptions(subject).select_related("offer").order_by("redeemed_at", "pk")
    exported = []
    for redemption in redemptions:
        row = plain(redemption, exclude=("workspace", "import_key", "by_user", "by_link"))
        row["offer_title"] = redemption.offer.title
        exported.append(row)
    return {"offer_codes": exported_codes, "offer_redemptions": exported}
