"""Screenshots of the people pages (run by hand; deleted after)."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser

from porch.inbox.models import Message, Note
from porch.listening.models import Hit
from porch.people import merge, sync
from porch.people.models import Follow, FollowSync, Identity, Person, Status
from porch.people.services import identify
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.browser.test_people import a_complaint_taken_in
from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD


def test_shots(browser: Browser, live_server, owner: User, workspace: Workspace) -> None:
    convo = a_complaint_taken_in(workspace)
    now = timezone.now()
    maria = Identity.objects.get(workspace=workspace, network="fake")
    Identity.objects.filter(pk=maria.pk).update(
        display_name="Maria Rossi", website="https://mariasflowers.example/",
        bio="Florist in Leith. Weddings, funerals, everything in between 🌷",
        profile_url="https://fake.example/maria", followers_count=1234,
    )
    Follow.objects.create(account=convo.account, identity=maria, seen_at=now)
    FollowSync.objects.create(account=convo.account, synced_at=now)
    there = identify(workspace, "mastodon", "https://toot.example/users/maria", "maria@toot.example")
    Identity.objects.filter(pk=there.pk).update(display_name="Maria Rossi", website="https://mariasflowers.example/")
    merge.suggest_merges(workspace)
    Person.objects.filter(pk=maria.person_id).update(tags=["wedding", "florist"], note="Ordered the 3-tier cake for 14 Nov.")
    for n in range(8):
        Message.objects.create(workspace=workspace, account=convo.account, conversation=convo, network="fake",
            external_id=f"old{n}", kind="mention", author_handle="maria", author_id=maria.stable_id,
            text=["Love the rye!", "Is the shop open on Sunday?", "Thanks for the quick answer", "Cake was late again"][n % 4],
            sent_at=now - timedelta(days=35 * n + 3), sentiment=["positive", "neutral", "positive", "negative"][n % 4])
    Hit.objects.create(workspace=workspace, network="fake", external_id="hit1", author_handle="maria",
        author_id=maria.stable_id, text="Corner Bakery does the best sourdough in Leith", sent_at=now - timedelta(days=2), sentiment="positive")
    Note.objects.create(conversation=convo, author=owner, text="Called her: refund on its way.")
    for n, (name, status) in enumerate([("Ben Ortiz", Status.LEAD), ("The Leith Gazette", Status.PRESS), ("Crumb & Co", Status.COMPETITOR), ("Priya", Status.VIP), ("Dan the baker", Status.PEER)]):
        p = identify(workspace, "bluesky", f"did:plc:{n}", f"{name.split()[0].lower()}{n}.bsky.social", name).person
        Person.objects.filter(pk=p.pk).update(status=status, last_seen_at=now - timedelta(hours=n), tags=["regular"] if n % 2 else [])
    sync.sweep(settle=timedelta(0))
    slug = workspace.slug
    pages = {
        "list": reverse("people:list", args=[slug]),
        "person": reverse("people:person", args=[slug, maria.person_id]),
        "merges": reverse("people:merges", args=[slug]),
        "conversation": reverse("conversation", args=[slug, convo.pk]),
    }
    for width, label in ((1280, "desktop"), (390, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server.url, owner.email, PASSWORD)
        page.wait_for_url("**/w/**")
        for name, path in pages.items():
            page.goto(live_server.url + path)
            page.screenshot(path=f"/work/notes/shots/people-{name}-{label}.png", full_page=True)
            width_now = page.evaluate("document.documentElement.scrollWidth")
            print(name, label, width_now)
        context.close()
