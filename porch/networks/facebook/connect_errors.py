"""What the owner is told when a Page access token cannot connect: what is wrong, and how
to fix it, from Graph's own error shapes (code, error_subcode, message):

    190 / 463            the token expired                  make a new one (a long-lived one)
    190 / 460            the password was changed           make a new one
    190 / 458            the app was removed                add it again, make a new one
    190 / 492            no longer an admin of the Page     ask an admin, or make a new one
    190 / 467, other     not valid (logged out, mistyped)   copy it again, whole
    10, 200-299          a permission is missing            which ones, and where to add them
    100 / 33             the Page cannot be found           pick the right Page
    4, 17, 32, 613, ...  a rate limit                       how long to wait
    1, 2, 5xx, transient Facebook's own trouble             try again in a few minutes
    no answer, timeout   Facebook unreachable               check the connection, try again
and, from debug_token, a user token (type USER) or a Page token without the permissions
Porch needs to post and to read comments.
"""

import re

from porch.networks.base import ErrorCode, NetworkError
from porch.networks.facebook.errors import GraphError

NOT_ACCEPTED = "Facebook did not accept this Page access token"
EXPLORER = (
    "In Meta's Graph API Explorer (developers.facebook.com/tools/explorer), pick your app, "
    "add the permissions {permissions} under Permissions, click Generate Access Token, then "
    "pick your Page under 'User or Page' and copy the Page access token."
)
NEEDED = ("pages_manage_posts", "pages_read_engagement")  # posting, and reading comments
ASKED = ("pages_show_list", *NEEDED, "pages_read_user_content", "pages_messaging")
USER_NOT_PAGE = (
    "This is a user access token: paste the token of the Page instead. In Graph API "
    "Explorer, pick your Page under 'User or Page' and copy the Page access token that "
    "appears."
)
_PERMISSION = re.compile(r"\b(pages_[a-z_]+|read_insights|business_management|publish_video)\b")
_EXPIRED_SUBCODES = {
    463: "it has expired. Page tokens made from a short-lived user token last an hour: "
    "make a new one, and for one that does not expire, extend the user token first in the "
    "Access Token Debugger (Extend Access Token) and take the Page token from that.",
    460: "the password of the Facebook account that made it was changed. Make a new one.",
    458: "Porch's app was removed from the Facebook account that made it. Add the app again "
    "(Settings > Business integrations), then make a new token.",
    492: "the person who made it is no longer an admin of this Page. Ask a Page admin to "
    "make the token, or get the admin role back first.",
    459: "Facebook wants the account that made it to log in and check its security first. "
    "Log in to Facebook, then make a new token.",
    464: "Facebook wants the account that made it to log in and confirm itself first. "
    "Log in to Facebook, then make a new token.",
}
_INVALID = (
    "it is not valid (logged out, revoked, or not copied whole). Copy the Page access "
    "token again, all of it, and paste it."
)


def explorer(permissions: tuple[str, ...] | list[str]) -> str:
    return EXPLORER.format(permissions=", ".join(permissions))


def connect_message(error: NetworkError) -> str:
    """The owner's words for a failed connect: what is wrong and how to fix it."""
    if error.code == ErrorCode.TIMEOUT:
        return (
            "Facebook did not answer in time. Try again in a minute; if it keeps "
            "happening, Facebook may be down (metastatus.com says)."
        )
    if error.code == ErrorCode.UNREACHABLE:
        return (
            "Porch could not reach Facebook (graph.facebook.com): check the internet "
            "connection of the computer Porch runs on, then try again."
        )
    if not isinstance(error, GraphError):
        return error.message
    return _graph_message(error)


def _graph_message(error: GraphError) -> str:
    code, subcode = error.graph_code, error.graph_subcode
    if code in (102, 190):
        return f"{NOT_ACCEPTED}: {_EXPIRED_SUBCODES.get(subcode, _INVALID)}"
    if code == 10 or 200 <= code <= 299:
        return missing_permissions(_PERMISSION.findall(error.graph_message))
    if (code == 100 and subcode == 33) or code == 803:
        return (
            "Facebook cannot find that Page with this token: make sure you picked the "
            "Page itself (not your own profile, nor another Page) under 'User or Page' in "
            "Graph API Explorer, and that you are one of its admins."
        )
    if error.code == ErrorCode.RATE_LIMITED:
        minutes = max(1, round((error.retry_after or 600) / 60))
        return (
            f"Facebook's rate limit for this app or Page was reached (code {code or 429}): "
            f"wait about {minutes} minutes, then connect again."
        )
    if not error.permanent:
        return "Facebook had a temporary problem: try again in a few minutes."
    said = f" Facebook said: {error.graph_message}" if error.graph_message else ""
    return f"{NOT_ACCEPTED} (code {code or error.status}).{said}"


def missing_permissions(named: list[str] | tuple[str, ...]) -> str:
    """Graph named the permissions it lacks (or none): say which, and where to add them."""
    which = list(dict.fromkeys(named)) or list(NEEDED)
    plural = "s" if len(which) > 1 else ""
    return (
        f"This Page token lacks the permission{plural} {', '.join(which)}, which Porch "
        f"needs. {explorer(list(dict.fromkeys([*ASKED, *which])))}"
    )
