"""What the members page says of the inbox (added in InboxConfig.ready)."""

from porch.inbox.models import InboxSettings
from porch.workspaces.models import Workspace


def members_page_facts(workspace: Workspace) -> dict[str, object]:
    """Whether a helper's replies wait for approval here (the inbox settings say)."""
    return {"helper_replies_wait": InboxSettings.of(workspace).helpers_need_approval}
