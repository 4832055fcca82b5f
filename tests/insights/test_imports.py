"""Importing an account's history from the files X, Mastodon and Bluesky give their users."""

import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from porch.cli import main
from porch.insights.history import import_file, store_posts
from porch.insights.importers import ArchiveError, open_history, read_history
from porch.insights.models import HistoryPost
from porch.workspaces.models import ConnectedAccount, Workspace
from tests.insights import files
from tests.insights.files import boost, bsky_post, bsky_repost, note, tweet

X_TWEETS = [
    tweet(101, "Fresh sourdough today! Who wants one?", likes=12, retweets=3, photos=2),
    tweet(102, "@ann thanks, see you Saturday", reply_to="99", likes=1),
    tweet(103, "RT @flourmill: harvest is in"),
    tweet(
        104,
        "Menu: https://t.co/x #bakery",
        urls=("https://bakery.example/menu",),
        likes=4,
        when="Mon Nov 16 08:05:00 +0000 2026",
    ),
]


def rows(account: ConnectedAccount) -> dict[str, HistoryPost]:
    return {p.external_id: p for p in HistoryPost.objects.filter(account=account)}


def test_x_archive_zip_lands_as_history_with_kinds_media_links_and_counts(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    result = import_file(files.write_x_zip(tmp_path / "twitter-2026.zip", X_TWEETS), x_account)

    assert (result.read, result.added) == (4, 4)
    stored = rows(x_account)
    assert {k: p.kind for k, p in stored.items()} == {
        "101": "post",
        "102": "reply",
        "103": "repost",
        "104": "post",
    }
    first = stored["101"]
    assert (first.likes, first.reposts, first.engagement, first.media) == (12, 3, 15, 2)
    assert first.has_question and not first.has_link
    menu = stored["104"]
    assert menu.links == ["https://bakery.example/menu"] and menu.has_link and menu.has_hashtag
    # 08:05 UTC on a Monday in November is 08:05 in London: stored in the account's zone.
    assert (menu.weekday, menu.hour) == (0, 8)


def test_importing_the_same_file_twice_changes_nothing(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    archive = files.write_x_zip(tmp_path / "archive.zip", X_TWEETS)
    import_file(archive, x_account)
    before = list(HistoryPost.objects.filter(account=x_account).values().order_by("pk"))

    again = import_file(archive, x_account)

    assert (again.read, again.added) == (4, 0)
    assert list(HistoryPost.objects.filter(account=x_account).values().order_by("pk")) == before


def test_a_stopped_import_resumes_without_doubling(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(files.tweets_js(X_TWEETS))
    history = read_history(path, "x")
    store_posts(x_account, history.posts[:2])  # the first batch went in, then it stopped

    result = import_file(path, x_account)

    assert (result.read, result.added) == (4, 2)
    assert HistoryPost.objects.filter(account=x_account).count() == 4


def test_mastodon_export_with_repeated_ordered_items_and_a_direct_message(
    tmp_path: Path, mastodon_account: ConnectedAccount
) -> None:
    items = [
        note(1001, "<p>Croissants are out of the oven!</p>", "2026-11-16T07:30:00Z", images=1),
        note(
            1002,
            '<p><span class="h-card"><a href="https://x.social/@ann" class="u-url mention">'
            '@ann</a></span> yes, <a href="https://bakery.example/hours">open till 6</a></p>',
            "2026-11-16T09:00:00Z",
            reply_to="https://x.social/users/ann/statuses/5",
        ),
        boost(1003, "https://mill.social/users/mill/statuses/77", "2026-11-17T10:00:00Z"),
        note(1004, "<p>private note to a friend</p>", "2026-11-17T11:00:00Z", public=False),
    ]
    zipped = files.write_mastodon_zip(tmp_path / "archive-2026.zip", items, split=2)

    result = import_file(zipped, mastodon_account)

    assert (result.read, result.added) == (3, 3)
    stored = rows(mastodon_account)
    assert {k: p.kind for k, p in stored.items()} == {
        "1001": "post",
        "1002": "reply",
        "1003": "repost",
    }
    assert stored["1001"].text == "Croissants are out of the oven!" and stored["1001"].media == 1
    assert stored["1002"].links == ["https://bakery.example/hours"]  # the mention is no link


def test_mastodon_outbox_json_with_actor_json_beside_it(
    tmp_path: Path, mastodon_account: ConnectedAccount
) -> None:
    (tmp_path / "outbox.json").write_bytes(
        files.outbox_json([note(1, "<p>hello</p>", "2026-11-16T07:30:00Z")])
    )
    (tmp_path / "actor.json").write_bytes(files.actor_json())
    assert import_file(tmp_path / "outbox.json", mastodon_account).added == 1


def test_bluesky_repository_car_gives_posts_replies_and_reposts(
    tmp_path: Path, bluesky_account: ConnectedAccount
) -> None:
    car = tmp_path / "repo.car"
    car.write_bytes(
        files.car_bytes(
            {
                "app.bsky.feed.post/3kaaa": bsky_post(
                    "Rye loaves, fresh", "2026-11-16T09:00:00Z", images=2
                ),
                "app.bsky.feed.post/3kbbb": bsky_post(
                    "thanks!", "2026-11-16T10:00:00.123Z", reply=True, link="https://bakery.example"
                ),
                "app.bsky.feed.repost/3kccc": bsky_repost("2026-11-17T10:00:00Z"),
                "app.bsky.graph.follow/3kddd": {
                    "$type": "app.bsky.graph.follow",
                    "subject": "did:plc:x",
                    "createdAt": "2026-11-01T00:00:00Z",
                },
            }
        )
    )

    assert import_file(car, bluesky_account).added == 3
    stored = rows(bluesky_account)
    post = stored[f"at://{files.DID}/app.bsky.feed.post/3kaaa"]
    assert post.kind == "post" and post.media == 2
    reply = stored[f"at://{files.DID}/app.bsky.feed.post/3kbbb"]
    assert reply.kind == "reply" and reply.links == ["https://bakery.example"]
    assert stored[f"at://{files.DID}/app.bsky.feed.repost/3kccc"].kind == "repost"


def error_for(path: Path, account: ConnectedAccount) -> str:
    with pytest.raises(ArchiveError) as raised:
        import_file(path, account)
    assert not HistoryPost.objects.filter(account=account).exists()  # nothing half-imported
    return str(raised.value)


def test_a_truncated_zip_says_so_and_stores_nothing(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    whole = files.write_x_zip(tmp_path / "whole.zip", X_TWEETS * 50).read_bytes()
    cut = tmp_path / "twitter-cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    message = error_for(cut, x_account)
    assert message.startswith("twitter-cut.zip: ")


def test_another_networks_file_is_named_for_what_it_is(
    tmp_path: Path, mastodon_account: ConnectedAccount
) -> None:
    tweets = tmp_path / "tweets.js"
    tweets.write_bytes(files.tweets_js(X_TWEETS))
    assert error_for(tweets, mastodon_account) == (
        "tweets.js: it looks like an X archive; choose a Mastodon export (the .zip, or outbox.json)"
    )


def test_a_car_with_a_damaged_block_is_refused(
    tmp_path: Path, bluesky_account: ConnectedAccount
) -> None:
    good = files.car_bytes({"app.bsky.feed.post/3kaaa": bsky_post("Rye", "2026-11-16T09:00:00Z")})
    at = good.index(b"Rye")
    bad = tmp_path / "repo.car"
    bad.write_bytes(good[:at] + b"Pie" + good[at + 3 :])
    assert "is damaged (its checksum is wrong)" in error_for(bad, bluesky_account)


def test_an_export_of_another_account_is_refused(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    other = files.write_x_zip(tmp_path / "theirs.zip", X_TWEETS, username="harbourbikes")
    assert "this export is of harbourbikes, not of X cornerbakery" in error_for(other, x_account)


def test_a_zip_without_tweets_is_explained(tmp_path: Path, x_account: ConnectedAccount) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    assert "Porch does not recognise this file; choose an X archive" in error_for(path, x_account)


def test_cli_import_shows_progress_and_the_counts(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    archive = files.write_x_zip(tmp_path / "archive.zip", X_TWEETS)
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(archive), "--account", str(x_account.pk)])
    assert result.exit_code == 0, result.output
    assert "Importing into X cornerbakery" in result.output
    assert "archive.zip: 4 posts read, 4 new, 0 already here" in result.output

    again = runner.invoke(main, ["import", str(archive), "--account", str(x_account.pk)])
    assert "4 posts read, 0 new, 4 already here" in again.output


def test_cli_import_of_a_bad_file_prints_one_clear_line(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("shopping list: flour, butter")
    result = CliRunner().invoke(main, ["import", str(bad), "--account", str(x_account.pk)])
    assert result.exit_code == 1
    assert "notes.txt: Porch does not recognise this file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("network", ["x", "mastodon"])
def test_a_cut_short_zip_says_so_instead_of_asking_for_an_archive(
    tmp_path: Path, x_account: ConnectedAccount, mastodon_account: ConnectedAccount, network: str
) -> None:
    account = x_account if network == "x" else mastodon_account
    if network == "x":
        whole = files.write_x_zip(tmp_path / "whole.zip", X_TWEETS * 50)
    else:
        items = [note(n, "<p>fresh bread</p>", "2026-11-16T07:30:00Z") for n in range(200)]
        whole = files.write_mastodon_zip(tmp_path / "whole.zip", items)
    cut = tmp_path / "export-cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    message = error_for(cut, account)
    assert message.startswith("export-cut.zip: the zip is cut short") and "choose" not in message


def test_a_bluesky_repository_is_refused_for_an_account_whose_did_is_unknown(
    tmp_path: Path, workspace: Workspace
) -> None:
    from tests.insights.conftest import connect

    account = connect(workspace, "bluesky", "corner.bsky.social")  # no DID known
    car = tmp_path / "someone-else.car"
    records = {"app.bsky.feed.post/3kaaa": bsky_post("Not ours", "2026-11-16T09:00:00Z")}
    car.write_bytes(files.car_bytes(records, did="did:plc:someoneelse000000000000"))
    assert "does not know the Bluesky id (DID) of Bluesky corner.bsky.social" in error_for(
        car, account
    )


def test_a_bluesky_repository_of_another_did_is_refused(
    tmp_path: Path, bluesky_account: ConnectedAccount
) -> None:
    car = tmp_path / "theirs.car"
    records = {"app.bsky.feed.post/3kaaa": bsky_post("Not ours", "2026-11-16T09:00:00Z")}
    car.write_bytes(files.car_bytes(records, did="did:plc:someoneelse000000000000"))
    assert "this export is of did:plc:someoneelse" in error_for(car, bluesky_account)


def write_bomb(path: Path, megabytes: int) -> Path:
    """A small zip whose data/tweets.js expands to `megabytes` of blanks inside a list."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        blanks = b"window.YTD.tweets.part0 = [" + b" " * (megabytes << 20) + b"]"
        archive.writestr("data/tweets.js", blanks)
    return path


def test_a_zip_bomb_is_refused_in_one_line_and_stores_nothing(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    bomb = write_bomb(tmp_path / "twitter-bomb.zip", 16)
    message = error_for(bomb, x_account)
    assert message.startswith("twitter-bomb.zip: is too big for its size: data/tweets.js expands")
    assert "\n" not in message


def test_a_file_over_the_import_cap_is_refused_before_it_is_read(
    tmp_path: Path, x_account: ConnectedAccount, settings: Any
) -> None:
    settings.IMPORT_MAX_MB = 1
    big = tmp_path / "tweets.js"
    many = [tweet(1000 + n, "sourdough " * 20) for n in range(3000)]
    big.write_bytes(files.tweets_js(many))
    assert big.stat().st_size > 1 << 20
    assert "tweets.js: is too big: tweets.js holds 2 MB, more than the 1 MB Porch imports" in (
        error_for(big, x_account)
    )
    zipped = tmp_path / "archive.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", files.tweets_js(many))
    assert zipped.stat().st_size < 1 << 20
    assert "is too big: what the zip expands to holds" in error_for(zipped, x_account)


def test_a_history_file_is_read_as_a_stream_not_whole(
    tmp_path: Path, x_account: ConnectedAccount
) -> None:
    path = files.write_x_zip(tmp_path / "archive.zip", [tweet(n, "rye " * 60) for n in range(8000)])
    with zipfile.ZipFile(path) as archive:
        expanded = archive.getinfo("data/tweets.js").file_size
    tracemalloc.start()
    try:
        counted = sum(1 for _ in open_history(path, "x").posts())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counted == 8000
    assert peak < expanded / 4  # about one read chunk and one post, not the whole list
