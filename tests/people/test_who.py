"""Who wrote it: the inbox and listening ask porch.core.who, and people answers with the
person's name, page, status, whether they follow the business, and on how many networks."""

from datetime import UTC, datetime

from django.urls import reverse

from porch.core.who import Author, describe
from porch.people.models import Follow, Status
from porch.people.services import identify
from porch.workspaces.models import ConnectedAccount, Workspace, network_choices

ONE, OTHER = (name for name, _ in network_choices()[:2])
AT = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # when the follower sync saw them


def test_authors_are_described_by_id_and_by_handle(
    workspace: Workspace, django_assert_max_num_queries
) -> None:
    ann = identify(workspace, ONE, "id-ann", "ann", "Ann Baker")
    bo = identify(workspace, ONE, "", "bo")
    by_id, by_handle, stranger = (
        Author(ONE, "id-ann", "old-ann"),
        Author(ONE, "", "bo"),
        Author(ONE, "id-zed", "zed"),
    )

    with django_assert_max_num_queries(4):
        who = describe(workspace, [by_id, by_handle, stranger])

    assert stranger not in who
    assert who[by_id].name == "Ann Baker"
    assert who[by_id].url == reverse("people:person", args=[workspace.slug, ann.person_id])
    assert who[by_id].url == f"/w/{workspace.slug}/people/{ann.person_id}/"
    assert who[by_handle].name == "bo" and who[by_handle].status == ""
    assert (who[by_handle].follows, who[by_handle].networks) == (False, 1)
    assert bo.person_id != ann.person_id


def test_status_follows_and_networks_are_told(workspace: Workspace) -> None:
    ann = identify(workspace, ONE, "id-ann", "ann", "Ann")
    elsewhere = identify(workspace, OTHER, "other-ann", "ann.other")
    elsewhere.person = ann.person  # as a confirmed merge leaves them
    elsewhere.save()
    ann.person.status = Status.LEAD
    ann.person.save()
    shop = ConnectedAccount.objects.create(workspace=workspace, network=ONE, handle="shop")
    Follow.objects.create(account=shop, identity=ann, seen_at=AT)

    who = describe(workspace, [Author(OTHER, "other-ann", "ann.other")])

    found = who[Author(OTHER, "other-ann", "ann.other")]
    assert (found.status, found.follows, found.networks) == ("Lead", True, 2)


def test_an_unfollow_is_not_following(workspace: Workspace) -> None:
    ann = identify(workspace, ONE, "id-ann", "ann")
    shop = ConnectedAccount.objects.create(workspace=workspace, network=ONE, handle="shop")
    Follow.objects.create(account=shop, identity=ann, seen_at=AT, gone_at=AT)

    assert not describe(workspace, [Author(ONE, "id-ann", "ann")])[
        Author(ONE, "id-ann", "ann")
    ].follows


def test_a_row_without_an_id_finds_the_identity_that_learnt_its_id(workspace: Workspace) -> None:
    """A message stored before ids were kept names its author by handle only; the identity
    that handle belongs to has since learnt the account's id."""
    identify(workspace, ONE, "", "ann")
    ann = identify(workspace, ONE, "id-ann", "ann", "Ann")  # the handle-only identity adopts it

    who = describe(workspace, [Author(ONE, "", "ann")])

    assert who[Author(ONE, "", "ann")].url.endswith(f"/people/{ann.person_id}/")


def test_other_workspaces_people_are_not_told(workspace: Workspace) -> None:
    other = Workspace.objects.create(name="Other", slug="other")
    identify(other, ONE, "id-ann", "ann")

    assert describe(workspace, [Author(ONE, "id-ann", "ann")]) == {}
