"""What the apps above add to the workspaces' pages, so workspaces imports none of them.

The members page says what a helper may do, and whether a helper's replies wait for
approval is the inbox's setting: the inbox adds it from its AppConfig.ready() with
`add_to_members_page(facts)`, `facts(workspace)` giving template context.
"""

from collections.abc import Callable

from porch.workspaces.models import Workspace

MembersFacts = Callable[[Workspace], dict[str, object]]

# Filled by the apps' AppConfig.ready().
MEMBERS_PAGE: list[MembersFacts] = []


def add_to_members_page(facts: MembersFacts) -> None:
    """Add an app's facts to the members page; adding the same function again changes nothing."""
    if facts not in MEMBERS_PAGE:
        MEMBERS_PAGE.append(facts)


def members_page_facts(workspace: Workspace) -> dict[str, object]:
    found: dict[str, object] = {}
    for facts in MEMBERS_PAGE:
        found.update(facts(workspace))
    return found
