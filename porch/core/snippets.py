"""Text the composer can insert: an app registers what it offers, the composer asks core.

Publishing sits beside porch.offers and does not import it; offers registers a source of
snippets from its AppConfig.ready(), and the compose page asks, once per page:

    snippets(workspace)  # [Snippet("Spring crumb: code", "CRUMB-SPRING"), ...]
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Snippet:
    label: str  # what the owner picks from the list
    text: str  # what goes into the post at the caret
    # Where the text may go on its own: "followers" when the post should reach followers only.
    visibility: str = ""


# (a porch.workspaces Workspace) -> the snippets it has now; core does not name it.
SnippetSource = Callable[[Any], list[Snippet]]
SOURCES: list[SnippetSource] = []


def register_snippets(source: SnippetSource) -> None:
    """Add an app's snippets; registering the same function again changes nothing."""
    if source not in SOURCES:
        SOURCES.append(source)


def snippets(workspace: Any) -> list[Snippet]:
    """Every registered app's snippets for this workspace, in registration order."""
    return [snippet for source in SOURCES for snippet in source(workspace)]
