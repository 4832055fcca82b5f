"""Bluesky's people: followers, follows, profiles and suggestions, as Porch's Profile.

app.bsky.graph.getFollowers and getFollows list ProfileViews (DID, handle, name, bio; no
counts, no website), at most LIST_LIMIT a call, newest first. Each page is filled in with
app.bsky.actor.getProfiles (ProfileViewDetailed, at most PROFILES_LIMIT accounts a call),
so a page of 100 followers is 1 + 4 requests. Bluesky does not verify the links a profile
shows: each link's verified_at is "". A handle on the owner's own domain is verified (the
AppView shows "handle.invalid" otherwise), which the merge code may count as evidence.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from atproto_client import Client, models  # type: ignore[import-untyped, unused-ignore]
from atproto_client.utils import facet_detection  # type: ignore[import-untyped, unused-ignore]

from porch.networks.base import Profile, ProfilePage, Usage

R = TypeVar("R")
LIST_LIMIT = 100  # getFollowers / getFollows take at most 100 a page
PROFILES_LIMIT = 25  # getProfiles takes at most 25 actors
NETWORK = "bluesky"
INVALID_HANDLE = "handle.invalid"  # what the AppView shows for a handle it cannot verify


class Caller(Protocol):
    """BlueskyClient._call: one SDK call, its failures as NetworkError."""

    def __call__(self, request: Callable[[Client], R], *, write: bool = False) -> R: ...


def followers(call: Caller, usage: Usage, actor: str, cursor: str) -> ProfilePage:
    """One page of the accounts following `actor` (a DID or handle), newest first."""
    params = models.AppBskyGraphGetFollowers.Params(
        actor=actor, limit=LIST_LIMIT, cursor=cursor or None
    )
    page = call(lambda api: api.app.bsky.graph.get_followers(params))
    return ProfilePage(_filled(call, usage, page.followers), page.cursor or "")


def follows(call: Caller, usage: Usage, actor: str, cursor: str) -> ProfilePage:
    """One page of the accounts `actor` follows, newest first."""
    params = models.AppBskyGraphGetFollows.Params(
        actor=actor, limit=LIST_LIMIT, cursor=cursor or None
    )
    page = call(lambda api: api.app.bsky.graph.get_follows(params))
    return ProfilePage(_filled(call, usage, page.follows), page.cursor or "")


def suggested(call: Caller, usage: Usage, actor: str) -> list[Profile]:
    """The accounts Bluesky suggests to those who follow `actor` ([] where it has none:
    the AppView answers [] when no suggestions service is set up, as on the dev stack)."""
    params = models.AppBskyGraphGetSuggestedFollowsByActor.Params(actor=actor)
    answer = call(lambda api: api.app.bsky.graph.get_suggested_follows_by_actor(params))
    return _filled(call, usage, answer.suggestions)


def profiles(call: Caller, usage: Usage, dids: Sequence[str]) -> list[Profile]:
    """The profiles of these accounts, in their order; those not found are left out."""
    wanted, found = list(dict.fromkeys(dids)), dict[str, Profile]()
    for start in range(0, len(wanted), PROFILES_LIMIT):
        views = _detailed(call, usage, wanted[start : start + PROFILES_LIMIT])
        found |= {view.did: to_profile(view) for view in views}
    return [found[did] for did in wanted if did in found]


def _detailed(call: Caller, usage: Usage, dids: Sequence[str]) -> list[Any]:
    """One getProfiles call: the ProfileViewDetailed of each account found."""
    params = models.AppBskyActorGetProfiles.Params(actors=list(dids))
    views: list[Any] = call(lambda api: api.app.bsky.actor.get_profiles(params)).profiles
    usage.extra["profiles_read"] = usage.extra.get("profiles_read", 0) + len(views)
    return views


def _filled(call: Caller, usage: Usage, views: Sequence[Any]) -> list[Profile]:
    """ProfileViews as Profiles with counts and websites (getProfiles); an account that
    went away between the two calls keeps what its ProfileView said."""
    usage.extra["accounts_listed"] = usage.extra.get("accounts_listed", 0) + len(views)
    detailed = {
        profile.stable_id: profile for profile in profiles(call, usage, [v.did for v in views])
    }
    return [detailed.get(view.did) or to_profile(view) for view in views]


def to_profile(view: Any) -> Profile:
    """A ProfileView or ProfileViewDetailed as a Profile (followers_count where it has it)."""
    bio = view.description or ""
    website = _website(view)
    return Profile(
        network=NETWORK,
        stable_id=view.did,
        handle=view.handle,
        display_name=view.display_name or "",
        bio=bio,
        website=website,
        links=tuple((url, "") for url in links_in(bio, website)),
        followers_count=getattr(view, "followers_count", None),
        profile_url=profile_url(view.handle, view.did),
        handle_checked=view.handle != INVALID_HANDLE,
    )


def _website(view: Any) -> str:
    """The profile's website, if it is an http(s) address (the field is recent: an SDK
    without it keeps it among the model's extra fields)."""
    value = getattr(view, "website", None) or (view.model_extra or {}).get("website")
    return value if isinstance(value, str) and _is_web(value) else ""


def links_in(bio: str, website: str = "") -> list[str]:
    """The http(s) links of a bio as the Bluesky app links them (a bare `shop.example`
    too), then the website; each once."""
    found = [
        feature.uri
        for facet in facet_detection.detect_facets(bio)
        for feature in facet.features
        if isinstance(feature, models.AppBskyRichtextFacet.Link) and _is_web(feature.uri)
    ]
    return list(dict.fromkeys([*found, *([website] if website else [])]))


def _is_web(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def profile_url(handle: str, did: str) -> str:
    """The account's page on bsky.app (by DID where its handle does not verify)."""
    return f"https://bsky.app/profile/{did if handle == INVALID_HANDLE else handle}"
