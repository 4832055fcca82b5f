"""Who wrote it: the people app names the authors the inbox and listening pages show.

The inbox and listening sit beside porch.people and do not import it; people registers a
describer from its AppConfig.ready(), and the pages ask core, in one call per page:

    who = describe(workspace, [Author("bluesky", "did:plc:...", "ana.bsky.social"), ...])
    who.get(author)  # a Who, or None when no app knows the author (or people is not installed)
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Author:
    """An author as a message or a hit stores it."""

    network: str
    author_id: str  # the network's stable id; "" where the row did not keep it
    handle: str


@dataclass(frozen=True)
class Who:
    """What the pages show of an author: their name, their page, and what the owner knows."""

    name: str
    url: str  # the person's page
    status: str = ""  # the status's label ("Customer", "Lead"...), "" when none
    follows: bool = False  # follows one of the business's accounts
    networks: int = 1  # on how many networks the business knows them


# (a porch.workspaces Workspace, the authors) -> what is known of each; core does not name it.
Describer = Callable[[Any, list[Author]], dict[Author, Who]]
DESCRIBERS: list[Describer] = []


def register_describer(describer: Describer) -> None:
    """Add an app's describer; registering the same function again changes nothing."""
    if describer not in DESCRIBERS:
        DESCRIBERS.append(describer)


def describe(workspace: Any, authors: Iterable[Author]) -> dict[Author, Who]:
    """What the registered describers know of these authors (the first to know one wins)."""
    wanted = list(dict.fromkeys(authors))
    known: dict[Author, Who] = {}
    for describer in DESCRIBERS:
        missing = [author for author in wanted if author not in known]
        if not missing:
            break
        known.update({a: w for a, w in describer(workspace, missing).items() if a not in known})
    return known
