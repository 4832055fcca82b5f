"""Leads and wins: any member marks a lead or a win, only an owner or manager takes a win back,
and the money page counts the leads won in its period, on their own line and in the total."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from porch.errors import NotAllowed, PorchError
from porch.insights.models import Revenue
from porch.insights.money import where_the_money_is
from porch.people import leads
from porch.people.models import Person, Status
from porch.people.services import identify
from porch.workspaces.models import Membership, Role, Workspace
from tests.conftest import add_member

AT = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now() -> Iterator[None]:
    with time_machine.travel(AT, tick=False):
        yield


@pytest.fixture
def member(workspace: Workspace) -> Membership:
    return Membership.objects.get(workspace=workspace, role=Role.OWNER)


@pytest.fixture
def helper(workspace: Workspace) -> Membership:
    user = add_member(workspace, "helper@bakery.example", Role.HELPER)
    return Membership.objects.get(workspace=workspace, user=user)


@pytest.fixture
def person(workspace: Workspace) -> Person:
    return identify(workspace, "fake", "fake:maria", "maria", "Maria").person


def test_any_member_marks_a_lead_and_a_win(helper: Membership, person: Person) -> None:
    leads.mark_lead(helper, person)
    assert (person.status, person.lead_at) == (Status.LEAD, AT)

    leads.mark_won(helper, person, Decimal("240.5"))

    person.refresh_from_db()
    assert (person.status, person.won_amount, person.won_at) == (
        Status.CUSTOMER,
        Decimal("240.50"),
        AT,
    )
    assert person.lead_at == AT


def test_only_a_manager_takes_a_win_back(
    helper: Membership, member: Membership, person: Person
) -> None:
    leads.mark_won(helper, person, Decimal("100"))
    with pytest.raises(NotAllowed):
        leads.unmark_won(helper, person)
    with pytest.raises(PorchError):
        leads.unmark_lead(helper, person)  # a won lead: take the win back first

    leads.unmark_won(member, person)

    person.refresh_from_db()
    assert (person.status, person.won_amount, person.won_at) == (Status.LEAD, None, None)
    leads.unmark_lead(helper, person)
    person.refresh_from_db()
    assert (person.status, person.lead_at) == (Status.OTHER, None)


def test_a_person_of_another_workspace_is_refused(member: Membership) -> None:
    other = Workspace.objects.create(name="Other", slug="other")
    stranger = identify(other, "fake", "fake:zed", "zed").person
    with pytest.raises(NotAllowed):
        leads.mark_lead(member, stranger)
    with pytest.raises(NotAllowed):
        leads.mark_won(member, stranger, Decimal("1"))


def test_a_negative_amount_is_refused(member: Membership, person: Person) -> None:
    with pytest.raises(PorchError):
        leads.mark_won(member, person, Decimal("-1"))
    person.refresh_from_db()
    assert person.won_amount is None


def test_the_money_view_counts_wins_in_its_period(
    workspace: Workspace, member: Membership, person: Person
) -> None:
    leads.mark_won(member, person, Decimal("240.00"))
    older = identify(workspace, "fake", "fake:dan", "dan").person
    leads.mark_won(member, older, Decimal("99.00"), AT - timedelta(days=40))
    Revenue.objects.create(workspace=workspace, day=date(2026, 11, 18), amount=Decimal("10"))

    today = workspace.today()
    money = where_the_money_is(workspace, today - timedelta(days=29), today + timedelta(days=1))

    assert (money.won.leads, money.won.revenue) == (1, Decimal("240.00"))
    assert money.total.revenue == Decimal("250.00")
    year = where_the_money_is(workspace, today - timedelta(days=364), today + timedelta(days=1))
    assert (year.won.leads, year.won.revenue) == (2, Decimal("339.00"))


def test_the_money_page_shows_leads_won(
    signed_in: Client, workspace: Workspace, member: Membership, person: Person
) -> None:
    leads.mark_won(member, person, Decimal("240.00"))

    page = signed_in.get(f"/w/{workspace.slug}/insights/money/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Leads won on social media: <strong>1</strong> lead won, for <strong>£240.00" in text
