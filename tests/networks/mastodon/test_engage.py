"""Liking, boosting and following from the bakery's account, against mastodon-mock."""

from mastodon import Mastodon

from porch.networks.mastodon.client import MastodonClient


def test_like_and_repost_reach_the_status_once(bakery: MastodonClient, pat: Mastodon) -> None:
    status = pat.status_post("Fresh sourdough at the corner bakery!")

    for _ in range(2):
        bakery.like(str(status.id))
        bakery.repost(str(status.id))

    seen = pat.status(status.id)
    assert seen.favourites_count == 1
    assert seen.reblogs_count == 1


def test_follow_by_handle_and_by_id(bakery: MastodonClient, pat: Mastodon, sam: Mastodon) -> None:
    pat_id = str(pat.me().id)
    sam_acct = sam.me().acct

    bakery.follow(pat_id)
    bakery.follow(f"@{sam_acct}")
    bakery.follow(pat_id)

    followed = {str(found.id) for found in bakery.api.account_following(bakery.api.me().id)}
    assert followed == {pat_id, str(sam.me().id)}
