"""More about a person, from the apps above and beside people: a panel each on their page.

An app that knows something of a person (offers: their codes and redemptions) registers a
panel maker from its AppConfig.ready(); the person's page shows every panel that has rows.
People does not import those apps.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from porch.people.models import Person
from porch.workspaces.models import Membership


@dataclass(frozen=True)
class Row:
    text: str  # plain text; the template escapes it
    detail: str = ""  # a second, quieter line
    url: str = ""  # where the row links to ("" = nowhere); a path inside Porch


@dataclass(frozen=True)
class Panel:
    title: str
    rows: list[Row] = field(default_factory=list)
    summary: str = ""  # one line above the rows ("3 codes, 2 redeemed, $41.50")


PanelMaker = Callable[[Membership, Person], Panel | None]
MAKERS: list[PanelMaker] = []


def register_person_panel(maker: PanelMaker) -> None:
    """Add an app's panel; registering the same function again changes nothing."""
    if maker not in MAKERS:
        MAKERS.append(maker)


def panels(member: Membership, person: Person) -> list[Panel]:
    """The registered panels for this person that have something to show."""
    found = [maker(member, person) for maker in MAKERS]
    return [panel for panel in found if panel is not None and (panel.rows or panel.summary)]
