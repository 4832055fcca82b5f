"""Redemptions from the till: a CSV from the web shop or the card reader, previewed, then
imported once.

    preview(member, file)  reads the file (porch/offers/till_formats.py), matches each order's
                           code against this workspace's codes and says what importing would
                           do: rows, orders with one of the shop's codes, how many are new and
                           how many were counted before, and the first bad rows, one line each.
                           A format Porch does not know waits for the owner to say which column
                           is which (`remap`); the choice is kept for the next file like it.
    confirm(member, ti)    imports it: one Redemption (Source.TILL) per order with a code.

Idempotent: each order's `import_key` is sha256(format + order id), unique per workspace, so
importing the same sales again adds nothing. A per-person code is redeemed once: if it was
already used at the counter, the order counts as already counted, not twice; it is claimed
with the conditional UPDATE redeem.py uses (here per batch, RETURNING the ids won). A shared
code gives one redemption per order, within the offer's dates and its `limit_total` (the
earliest orders first). As at the counter, a per-person code that was never sent counts for
nothing, and a person's codes together stay within the offer's `limit_per_person` (what is
stored plus the earlier orders of the file); each refused order gets a line saying why. The
import plans again inside its transaction, so what the counter redeemed since the preview
counts. Lock order as in redeem.py: the codes, then the offer's count; the person limits are
checked again under the offer's lock.

What is kept: until it is imported, the orders found (order id, code, amount, time), never
the file's e-mail addresses or names; an unknown format's file without its personal columns
until the columns are chosen.
"""

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Field, Q

from porch.errors import Conflict, InputError, NotAllowed, NotFound
from porch.offers import events
from porch.offers import till_formats as formats
from porch.offers.codes import display, fold
from porch.offers.models import Code, CodeState, Offer, Redemption, Source, TillImport
from porch.offers.redeem import GIVEN
from porch.workspaces.models import Membership, Role, Workspace

BATCH = 2000  # keys read, codes claimed and rows written per statement
CLAIM_BATCH = 300  # ids in one claiming UPDATE (three parameters each)
_STORED = ["order", "code", "amount", "when", "skip", "row"]


class Upload(Protocol):
    """What a page or a script hands in: Django's UploadedFile, or a file of our own."""

    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class CodeRow:
    id: int
    offer_id: int
    personal: bool
    person_id: int | None
    network: str
    is_demo: bool
    state: str


@dataclass(frozen=True)
class Found:
    """An order with one of the shop's codes, ready to be imported."""

    key: str
    code: str  # folded
    amount: Decimal | None
    when: datetime
    skip: str
    row: int


@dataclass
class Plan:
    add: list[Found] = field(default_factory=list)
    already: int = 0
    skipped: int = 0
    refused: list[str] = field(default_factory=list)  # a line per order refused, naming its row


def _require(member: Membership) -> None:
    if not member.at_least(Role.MANAGER):
        raise NotAllowed("Importing till sales needs the Manager role.")


def import_key(preset: str, order: str) -> str:
    return hashlib.sha256(f"{preset}\n{order}".encode()).hexdigest()


# ---- preview -------------------------------------------------------------------------


def preview(
    member: Membership, uploaded_file: Upload, *, mapping: dict[str, str] | None = None
) -> TillImport:
    """Read a till's CSV and say what importing it would do; nothing is redeemed yet."""
    _require(member)
    data = _read_upload(uploaded_file)
    text = formats.decode(data)
    header, _, _ = formats.read_rows(text)
    if len([name for name in header if name]) < 2:
        raise InputError(
            "This is not a CSV file with a header row. Export the sales from your till or "
            "web shop as CSV (not Excel or PDF) and upload that."
        )
    till = TillImport(
        workspace=member.workspace,
        file_name=(uploaded_file.name or "sales.csv")[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        created_by=member.user,
    )
    till.preset = formats.detect(header)
    if not till.preset:
        chosen = _checked_mapping(mapping, header) if mapping else _saved_mapping(till, header)
        if chosen is None:  # the owner says which column is which
            till.data = formats.without_personal(text).encode()
            till.save()
            return till
        till.preset, till.mapping = formats.MAPPED, chosen
    _examine(till, text)
    till.save()
    return till


def remap(member: Membership, till: TillImport, mapping: dict[str, str]) -> TillImport:
    """Read a file of an unknown format again with the columns the owner chose."""
    _require(member)
    _own(member, till)
    if till.preset or till.imported_at is not None:
        raise Conflict("These columns are set already: upload the file again to change them.")
    text = formats.decode(bytes(till.data))
    header, _, _ = formats.read_rows(text)
    checked = _checked_mapping(mapping, header)
    if checked is None:
        raise InputError("Choose the column with the order number and the one with the code.")
    till.preset, till.mapping = formats.MAPPED, checked
    _examine(till, text)
    till.save()
    return till


def _own(member: Membership, till: TillImport) -> None:
    if till.workspace_id != member.workspace.pk:
        raise NotFound("There is no such import in this workspace.")


def _read_upload(uploaded: Upload) -> bytes:
    limit = int(settings.TILL_IMPORT_MAX_MB) * 1024 * 1024
    if (uploaded.size or 0) > limit:
        raise InputError(too_big_message())
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise InputError(too_big_message())
    if not data.strip():
        raise InputError("The file is empty. Export the sales again and upload that file.")
    if data[:4] == b"PK\x03\x04":
        raise InputError("This is an Excel or zip file: export or save the sales as CSV.")
    return data


def too_big_message() -> str:
    """What the page says of a file over PORCH_TILL_IMPORT_MAX_MB."""
    return (
        f"The file is bigger than the {settings.TILL_IMPORT_MAX_MB} MB Porch takes for till "
        "sales. Export a shorter date range (a month at a time) and import each file, or ask "
        "whoever runs Porch to raise PORCH_TILL_IMPORT_MAX_MB."
    )


def _checked_mapping(mapping: dict[str, str] | None, header: list[str]) -> dict[str, str] | None:
    """The mapping's columns that are in this header, or None without an order and a code."""
    names = set(header)
    chosen = {
        key: str((mapping or {}).get(key) or "")
        for key, _ in formats.MAP_FIELDS
        if str((mapping or {}).get(key) or "") in names
    }
    return chosen if chosen.get("order") and chosen.get("code") and chosen.get("date") else None


def _saved_mapping(till: TillImport, header: list[str]) -> dict[str, str] | None:
    """The columns chosen for an earlier file with these columns, if any."""
    earlier = TillImport.objects.filter(workspace_id=till.workspace_id, preset=formats.MAPPED)
    for mapping in earlier.order_by("-created_at").values_list("mapping", flat=True)[:20]:
        checked = _checked_mapping(mapping, header)
        if checked is not None and checked == mapping:
            return checked
    return None


def _examine(till: TillImport, text: str) -> None:
    """Fill the import's counts, errors and kept orders from the file's text."""
    workspace = till.workspace
    read = formats.read_orders(text, till.preset, till.mapping)
    codes = _codes(workspace)
    zone = ZoneInfo(workspace.timezone)
    found = []
    for order in read.orders.values():
        code = next((c for c in formats.candidates(order, fold) if c in codes), None)
        if code is None:
            continue  # not one of the shop's codes: not Porch's business
        amount, problem = formats.amount_of(order)
        when, late = formats.when_of(order, zone)
        if problem or when is None:
            read.error(f"Row {order.row}: order {order.key[:40]!r}: {problem or late}.")
            continue
        found.append(Found(order.key, code, amount, when, order.skip, order.row))
    plan = _plan(workspace, till.preset, found, codes)
    for line in plan.refused:
        read.error(line)
    till.rows, till.added, till.already, till.skipped = (
        read.rows,
        len(plan.add),
        plan.already,
        plan.skipped,
    )
    more = read.error_count - len(read.errors)
    till.errors = read.errors + ([f"…and {more} more rows like these."] if more > 0 else [])
    till.data = _kept(found).encode()


def _kept(found: list[Found]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_STORED)
    for f in found:
        amount = "" if f.amount is None else str(f.amount)
        writer.writerow([f.key, f.code, amount, f.when.isoformat(), f.skip, f.row])
    return out.getvalue()


def _unkept(data: bytes | memoryview) -> list[Found]:
    rows = csv.reader(io.StringIO(bytes(data).decode(), newline=""))
    next(rows, None)
    return [
        Found(
            key,
            code,
            Decimal(amount) if amount else None,
            datetime.fromisoformat(when),
            skip,
            int(row),
        )
        for key, code, amount, when, skip, row in rows
    ]


# ---- deciding what each order does -------------------------------------------------------


def _codes(workspace: Workspace) -> dict[str, CodeRow]:
    rows = Code.objects.filter(workspace=workspace).values_list(
        "code", "pk", "offer_id", "personal", "person_id", "network", "offer__is_demo", "state"
    )
    return {
        code: CodeRow(pk, offer_id, personal, person_id, network, is_demo, state)
        for code, pk, offer_id, personal, person_id, network, is_demo, state in rows.iterator(
            chunk_size=BATCH
        )
    }


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(workspace: Workspace) -> set[str]:
    """The import keys of the workspace's till redemptions (one read, however many)."""
    rows = Redemption.objects.filter(workspace=workspace).exclude(import_key="")
    return set(rows.values_list("import_key", flat=True).iterator(chunk_size=BATCH))


def _used_codes(workspace: Workspace) -> set[int]:
    rows = Code.objects.filter(workspace=workspace, personal=True, redeemed_at__isnull=False)
    return set(rows.values_list("pk", flat=True).iterator(chunk_size=BATCH))


def _had(offers: Iterable[Offer]) -> Counter[tuple[int, int]]:
    """Redemptions stored per (offer, person) for the offers with a per-person limit (one
    read, however many people)."""
    limited = [o.pk for o in offers if o.limit_per_person]
    rows = (
        Redemption.objects.filter(offer_id__in=limited, person_id__isnull=False)
        .values_list("offer_id", "person_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({(offer_id, person_id): n for offer_id, person_id, n in rows})


def _plan(workspace: Workspace, preset: str, found: list[Found], codes: dict[str, CodeRow]) -> Plan:
    """Which orders would be added: not imported before, not refunded, a personal code sent
    and not used yet (the earliest order wins it), within the offer's dates and limits."""
    keys = {f.key: import_key(preset, f.key) for f in found}
    existing = _existing(workspace) if found else set()
    used = _used_codes(workspace) if found else set()
    offers = {o.pk: o for o in Offer.objects.filter(pk__in={codes[f.code].offer_id for f in found})}
    had = _had(offers.values()) if found else Counter()
    taken: Counter[int] = Counter()
    plan = Plan()
    for f in sorted(found, key=lambda f: (f.when, f.key)):
        code = codes[f.code]
        offer = offers[code.offer_id]
        room = None if offer.limit_total is None else offer.limit_total - offer.redeemed_count
        full = room is not None and taken[offer.pk] >= room
        if keys[f.key] in existing or (code.personal and code.id in used):
            plan.already += 1
        elif f.skip or not offer.starts_at <= f.when < offer.ends_at or full:
            plan.skipped += 1  # refunded, cancelled, outside the dates, over the limit
        elif refused := _refused(f, code, offer, had):
            plan.skipped += 1
            plan.refused.append(refused)
        else:
            taken[offer.pk] += 1
            if code.person_id is not None:
                had[offer.pk, code.person_id] += 1
            if code.personal:
                used.add(code.id)
            plan.add.append(f)
    return plan


def _refused(f: Found, code: CodeRow, offer: Offer, had: Counter[tuple[int, int]]) -> str:
    """Why the counter would refuse this order's code (redeem.py), as a line naming its row;
    "" when it would not."""
    where = f"Row {f.row}: order {f.key[:40]!r}"
    if code.personal and code.state not in GIVEN:
        state = CodeState(code.state).label.lower()
        return (
            f"{where}: the code {display(f.code)} was never sent ({state}); check the "
            "offer's page: this order is not counted."
        )
    limit = offer.limit_per_person
    count = had[offer.pk, code.person_id] if code.person_id is not None else 0
    if limit and count >= limit:
        times = "1 time" if count == 1 else f"{count} times"
        return (
            f"{where}: the person already had the offer {times}, as often as it allows; "
            "this order is not counted."
        )
    return ""


# ---- confirm ---------------------------------------------------------------------------------


def confirm(member: Membership, till_import: TillImport, *, now: datetime) -> TillImport:
    """Import a previewed file: the redemptions it adds, counted on the import."""
    _require(member)
    _own(member, till_import)
    if not till_import.preset:
        raise InputError("Choose which column is which first.")
    found = _unkept(till_import.data)
    try:
        with transaction.atomic():
            claimed = TillImport.objects.filter(pk=till_import.pk, imported_at__isnull=True)
            if not claimed.update(imported_at=now):
                raise Conflict("This file was imported already: its sales are counted.")
            added = _import(member, till_import, found)
            till_import.imported_at, till_import.data = now, b""
            till_import.save(
                update_fields=["added", "already", "skipped", "errors", "data", "imported_at"]
            )
            events.till_imported(till_import, added, member.workspace.is_demo)
    except IntegrityError:
        raise Conflict(
            "Another import of these sales ran at the same moment. Upload the file again: "
            "what is counted already will not be counted twice."
        ) from None
    return till_import


def _import(member: Membership, till: TillImport, found: list[Found]) -> Counter[int]:
    """Add the file's redemptions and count them on the import; how many per offer."""
    workspace = member.workspace
    codes = _codes(workspace)
    still = [f for f in found if f.code in codes]  # a code deleted since the preview: skipped
    plan = _plan(workspace, till.preset, still, codes)
    won = _claim(
        {codes[f.code].id: f.when for f in plan.add if codes[f.code].personal},
    )
    adding = [f for f in plan.add if not codes[f.code].personal or codes[f.code].id in won]
    plan.already += len(plan.add) - len(adding)
    _insert(member, till.preset, adding, codes)
    per_offer = Counter(codes[f.code].offer_id for f in adding)
    for offer_id, count in per_offer.items():
        room = Q(limit_total__isnull=True) | Q(redeemed_count__lte=F("limit_total") - count)
        if (
            not Offer.objects.filter(pk=offer_id)
            .filter(room)
            .update(redeemed_count=F("redeemed_count") + count)
        ):
            raise Conflict("An offer was used up while importing: upload the file again.")
    _check_people(adding, codes)
    till.added, till.already = len(adding), plan.already
    till.skipped = plan.skipped + len(found) - len(still)
    new = [line for line in plan.refused if line not in till.errors]
    till.errors = [*till.errors, *new[: max(0, formats.MAX_ERRORS - len(till.errors))]]
    return per_offer


def _check_people(adding: list[Found], codes: dict[str, CodeRow]) -> None:
    """Under the offers' locks (taken by the count's UPDATE, as the counter takes them
    before counting), no person has gone over an offer's limit: a counter redemption
    committed while the import planned makes it start again."""
    people = [(codes[f.code].offer_id, codes[f.code].person_id) for f in adding]
    pairs = {(offer_id, person) for offer_id, person in people if person is not None}
    if not pairs:
        return
    offers = list(Offer.objects.filter(pk__in={o for o, _ in pairs}).only("limit_per_person"))
    limits = {o.pk: o.limit_per_person for o in offers if o.limit_per_person}
    had = _had(offers)
    if any(had[pair] > limits.get(pair[0], had[pair]) for pair in pairs):
        raise Conflict("A code was redeemed at the counter while importing: upload the file again.")


def _claim(when_by_code: dict[int, datetime]) -> set[int]:
    """Redeem these per-person codes, each at its order's time, where not redeemed yet:
    the ids won (one UPDATE ... RETURNING per batch, as redeem.py claims one)."""
    table = connection.ops.quote_name(Code._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    won: set[int] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(list(when_by_code.items()), CLAIM_BATCH):
            cases = " ".join("WHEN %s THEN %s" for _ in chunk)
            marks = ", ".join("%s" for _ in chunk)
            params: list[Any] = [v for pk, at in chunk for v in (pk, adapt(at))]
            params += [pk for pk, _ in chunk]
            cursor.execute(
                f"UPDATE {table} SET redeemed_at = CASE id {cases} END "  # noqa: S608
                f"WHERE id IN ({marks}) AND redeemed_at IS NULL RETURNING id",
                params,
            )
            won.update(row[0] for row in cursor.fetchall())
    return won


_FIELDS = (
    *("workspace", "offer", "code", "personal", "person", "network", "amount", "source"),
    *("import_key", "by_user", "by_link", "redeemed_at", "is_demo"),
)


def _insert(
    member: Membership, preset: str, adding: list[Found], codes: dict[str, CodeRow]
) -> None:
    """INSERT the redemptions, many rows a statement (bulk_create's model instances cost
    more than the database does at this size)."""
    fields = [cast(Field[Any, Any], Redemption._meta.get_field(name)) for name in _FIELDS]
    ops = connection.ops
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Redemption._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join('%s' for _ in fields)})"
    )
    workspace, user = member.workspace.pk, member.user_id
    rows = []
    for f in adding:
        code = codes[f.code]
        rows.append(
            (
                *(workspace, code.offer_id, code.id, code.personal, code.person_id, code.network),
                ops.adapt_decimalfield_value(f.amount, 12, 2),
                *(Source.TILL.value, import_key(preset, f.key), user, None),
                ops.adapt_datetimefield_value(f.when),
                code.is_demo,
            )
        )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)


def recent(member: Membership) -> Iterable[TillImport]:
    """The workspace's last imports, for the import page."""
    _require(member)
    rows = TillImport.objects.filter(workspace=member.workspace).defer("data")
    return rows.order_by("-created_at")[:10]
