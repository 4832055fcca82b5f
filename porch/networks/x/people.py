"""X's people: users in X API v2 replies as Profiles, and the requests that list them.

X bills each user it returns (USER_READ_COST_USD in costs.py): every list and lookup
counts the users read in `usage.extra["users_read"]`. Follower and following lists come
newest first, PAGE_SIZE users a request; the cursor is X's next_token ("" at the end).
A user's stable id is its user id; X has no other, so Profile.local_id stays "".

A bio's links are t.co links in X's text: they are shown expanded (entities.description),
and the profile's website is its expanded `url` entity.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from porch.networks.base import Profile, ProfilePage
from porch.networks.x.payloads import Json

if TYPE_CHECKING:
    from porch.networks.x.client import XClient

USER_FIELDS = ["id", "name", "username", "description", "url", "entities", "public_metrics"]
# Users a follower or following request asks for (X allows up to 1,000). X bills each user
# read, and Porch checks the account's monthly cap between requests: 100 a request keeps the
# most a request can go over the cap at $1.
PAGE_SIZE = 100
LOOKUP_SIZE = 100  # the most users one GET /2/users asks for


def _expanded(entity: Json) -> str:
    return str(entity.get("expanded_url") or entity.get("unwound_url") or entity.get("url") or "")


def _bio(user: Json) -> tuple[str, list[str]]:
    """The bio with its t.co links expanded, and those links."""
    text = str(user.get("description") or "")
    links = []
    for entity in (user.get("entities") or {}).get("description", {}).get("urls") or []:
        link = _expanded(entity)
        if link and entity.get("url"):
            text = text.replace(str(entity["url"]), link)
        links.append(link)
    return text, [link for link in links if link]


def _website(user: Json) -> str:
    urls = (user.get("entities") or {}).get("url", {}).get("urls") or []
    found = [_expanded(entity) for entity in urls]
    return next((link for link in found if link), str(user.get("url") or ""))


def profile(user: Json) -> Profile:
    bio, bio_links = _bio(user)
    website = _website(user)
    links = dict.fromkeys([website, *bio_links] if website else bio_links)
    metrics = user.get("public_metrics") or {}
    return Profile(
        network="x",
        stable_id=str(user["id"]),
        handle=str(user.get("username") or ""),
        display_name=str(user.get("name") or ""),
        bio=bio,
        website=website,
        links=tuple((link, "") for link in links),
        followers_count=metrics.get("followers_count"),
        profile_url=f"https://x.com/{user.get('username') or 'i/user/' + str(user['id'])}",
    )


class People:
    """The people reads of one XClient (its calls, its token, its usage)."""

    def __init__(self, client: "XClient") -> None:
        self.client = client

    def _count(self, body: Json) -> list[Json]:
        users: list[Json] = body.get("data") or []
        usage = self.client.usage.extra
        usage["users_read"] = usage.get("users_read", 0) + len(users)
        return users

    def _page(self, method: str, user_id: str, cursor: str) -> ProfilePage:
        params: dict[str, Any] = {"max_results": PAGE_SIZE, "user_fields": USER_FIELDS}
        params["pagination_token"] = cursor or None
        body = self.client._user(
            lambda api: getattr(api, method)(user_id, user_auth=False, **params)
        )
        users = self._count(body)
        after = str(body.get("meta", {}).get("next_token") or "")
        return ProfilePage([profile(user) for user in users], cursor=after)

    def followers(self, cursor: str) -> ProfilePage:
        return self._page("get_users_followers", self.client._me(), cursor)

    def follows_of(self, stable_id: str, cursor: str) -> ProfilePage:
        return self._page("get_users_following", self._user_id(stable_id), cursor)

    def _user_id(self, key: str) -> str:
        name = key.strip().removeprefix("@")
        return name if name.isdigit() else self.client._user_id_of(name)

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        """Users by id (or by username, for a handle), LOOKUP_SIZE a request; those X
        does not find (deleted, suspended) are left out."""
        keys = [key.strip().removeprefix("@") for key in stable_ids]
        ids = [key for key in keys if key.isdigit()]
        names = [key for key in keys if key and not key.isdigit()]
        found: list[Json] = []
        for kind, values in (("ids", ids), ("usernames", names)):
            for start in range(0, len(values), LOOKUP_SIZE):
                batch = values[start : start + LOOKUP_SIZE]
                found += self._lookup(kind, batch)
        return [profile(user) for user in found]

    def _lookup(self, kind: str, batch: list[str]) -> list[Json]:
        params: dict[str, Any] = {kind: batch, "user_fields": USER_FIELDS}
        return self._count(self.client._user(lambda api: api.get_users(user_auth=False, **params)))
