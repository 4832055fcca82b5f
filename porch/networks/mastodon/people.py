"""Mastodon's people: the account's followers, whom an account follows, profiles and the
server's follow suggestions, as Profiles (MastodonClient's people methods call these).

A person's stable id is the account's `uri` (its ActivityPub actor), the same on every
server; the `id` is local to the shop's server and kept as Profile.local_id. Older rows
hold local ids, so an account may be named by its URI, its handle or its local id.

Lists page by Mastodon's Link headers (max_id): a cursor is the next page's max_id, ""
when the list is done. Followers and follows come newest first.

A server knows a remote account's follows only in part: those of its own users, and
whatever reached it. The follows of an account on another server are therefore marked
partial (ProfilePage.partial), and peer discovery is reliable only for the shop's server.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mastodon.return_types import Account

from porch.networks.base import ErrorCode, NetworkError, Profile, ProfilePage
from porch.networks.mastodon.text import html_to_text

if TYPE_CHECKING:
    from porch.networks.mastodon.client import MastodonClient

LIST_SIZE = 80  # Mastodon's largest page of accounts
BATCH_SIZE = 40  # accounts per GET /api/v1/accounts?id[]=...
REMOTE_FOLLOWS = (
    "A Mastodon server knows only in part whom an account on another server follows: "
    "the follows it has seen."
)
_URL_PREFIXES = ("https://", "http://")


class _Hrefs(HTMLParser):
    """The href of every <a> in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.found.append(href)


def _field_url(value: str) -> str:
    """A profile field's link: its <a href> (a real server's HTML), else its text, when
    that is an http(s) address (the value as typed); "" when it is no link."""
    parser = _Hrefs()
    parser.feed(value or "")
    parser.close()
    text = html_to_text(value or "").strip()
    for candidate in [*parser.found, text]:
        if candidate.lower().startswith(_URL_PREFIXES) and not any(c.isspace() for c in candidate):
            return candidate
    return ""


def _when(verified_at: Any) -> str:
    if isinstance(verified_at, datetime):
        return verified_at.isoformat()
    return str(verified_at or "")


def field_links(fields: Iterable[Any]) -> list[tuple[str, str]]:
    """Each field that is a link: (URL, when the server verified it, ISO, or "")."""
    found = []
    for field in fields or []:
        url = _field_url(str(field.get("value") or ""))
        if url:
            found.append((url, _when(field.get("verified_at"))))
    return found


def bio_links(text: str) -> list[str]:
    """The http(s) addresses in a plain-text bio."""
    words = (word.rstrip(".,;:!?)]}>\"'") for word in text.split())
    return [word for word in words if word.lower().startswith(_URL_PREFIXES)]


def profile(account: Account, domain: str) -> Profile:
    """An account as a Profile; `domain` is the shop's server's, for full handles."""
    bio = html_to_text(account.note or "")
    fields = field_links(account.get("fields") or [])
    verified = [url for url, when in fields if when]
    website = verified[0] if verified else (fields[0][0] if fields else "")
    seen = {url for url, _ in fields}
    links = fields + [(url, "") for url in dict.fromkeys(bio_links(bio)) if url not in seen]
    acct = str(account.acct)
    return Profile(
        network="mastodon",
        stable_id=str(account.uri or account.url),
        handle=acct if "@" in acct else f"{acct}@{domain}",
        display_name=account.display_name or account.username,
        bio=bio,
        website=website,
        links=tuple(links),
        followers_count=account.get("followers_count"),
        profile_url=str(account.url or account.uri),
        local_id=str(account.id),
    )


def next_cursor(page: Any) -> str:
    """The max_id of the page after this one (Mastodon.py reads it from the Link header)."""
    after = getattr(page, "_pagination_next", None) if page else None
    return str(after["max_id"]) if after and after.get("max_id") is not None else ""


def account_guess(uri: str, domain: str) -> str:
    """The acct an account URI most likely names: https://host/users/name and
    https://host/@name are Mastodon's forms ("" when it is neither)."""
    parts = urlsplit(uri)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1].removeprefix("@")
    if not name or not parts.hostname:
        return ""
    if "@" in name:
        return name
    return name if parts.hostname == domain else f"{name}@{parts.hostname}"


class People:
    """The people reads of one MastodonClient (its calls, its errors, its account)."""

    def __init__(self, client: "MastodonClient") -> None:
        self.client = client
        self._accounts: dict[str, Account] = {}  # URI, handle or id -> the account

    def _profile(self, account: Account) -> Profile:
        return profile(account, self.client._domain)

    def followers(self, cursor: str) -> ProfilePage:
        me, api = self.client._me(), self.client.api
        page = self.client._call(
            lambda: api.account_followers(me, max_id=cursor or None, limit=LIST_SIZE)
        )
        return ProfilePage([self._profile(a) for a in page], cursor=next_cursor(page))

    def follows_of(self, stable_id: str, cursor: str) -> ProfilePage:
        account, api = self.account(stable_id), self.client.api
        page = self.client._call(
            lambda: api.account_following(account.id, max_id=cursor or None, limit=LIST_SIZE)
        )
        partial = REMOTE_FOLLOWS if "@" in str(account.acct) else ""
        profiles = [self._profile(a) for a in page]
        return ProfilePage(profiles, cursor=next_cursor(page), partial=partial)

    def profiles(self, stable_ids: Sequence[str]) -> list[Profile]:
        local = [key for key in stable_ids if key.isdigit()]
        by_key = {str(a.id): a for a in self._by_local_ids(local)}
        for key in stable_ids:
            if not key.isdigit():
                found = self.find(key)
                if found is not None:
                    by_key[key] = found
        return [self._profile(by_key[key]) for key in stable_ids if key in by_key]

    def _by_local_ids(self, ids: list[str]) -> list[Account]:
        found: list[Account] = []
        for start in range(0, len(ids), BATCH_SIZE):
            found += self._batch(ids[start : start + BATCH_SIZE])
        return found

    def _batch(self, ids: list[str]) -> list[Account]:
        try:
            return list(self.client._call(lambda: self.client.api.accounts(ids)))
        except NetworkError as error:
            if error.detail != "404":
                raise
        return [a for a in map(self._local_or_none, ids) if a is not None]

    def _local_or_none(self, local_id: str) -> Account | None:
        """One account by its local id (servers before 4.3 have no batch; None: gone)."""
        try:
            found: Account = self.client._call(lambda: self.client.api.account(local_id))
        except NetworkError as error:
            if error.detail != "404":
                raise
            return None
        return found

    def suggested_follows(self) -> list[Profile]:
        """The server's suggestions (v2; v1 on servers before 3.4)."""
        api = self.client.api
        try:
            accounts = [s.account for s in self.client._call(api.suggestions_v2)]
        except NetworkError as error:
            if error.detail != "404":
                raise
            accounts = list(self.client._call(api.suggestions_v1))
        return [self._profile(account) for account in accounts]

    def account(self, key: str) -> Account:
        """The account named by a URI, a handle or a local id; NOT_FOUND when none is."""
        found = self._local_or_none(key) if key.isdigit() else self.find(key)
        if found is None:
            text = f"Mastodon has no account {key} that this server can see."
            raise NetworkError(text, permanent=True, code=ErrorCode.NOT_FOUND, detail="404")
        return found

    def find(self, key: str) -> Account | None:
        """By URI (the acct it most likely names, checked, else the server's search,
        which fetches a remote account it does not know yet) or by handle."""
        if key not in self._accounts:
            is_uri = key.lower().startswith(_URL_PREFIXES)
            found = self._by_uri(key) if is_uri else self._lookup(key.lstrip("@"))
            if found is None:
                return None
            self._accounts[key] = found
        return self._accounts[key]

    def _by_uri(self, uri: str) -> Account | None:
        guess = account_guess(uri, self.client._domain)
        found = self._lookup(guess) if guess else None
        if found is not None and found.uri == uri:
            return found
        api = self.client.api
        result = self.client._call(
            lambda: api.search_v2(uri, resolve=True, result_type="accounts", limit=5)
        )
        return _first(a for a in result.accounts if a.uri == uri)

    def _lookup(self, acct: str) -> Account | None:
        user, _, host = acct.partition("@")
        acct = user if host == self.client._domain else acct
        try:
            found: Account = self.client._call(lambda: self.client.api.account_lookup(acct))
        except NetworkError as error:
            if error.detail != "404":
                raise
            return None
        return found


def _first(accounts: Iterable[Account]) -> Account | None:
    return next(iter(accounts), None)
