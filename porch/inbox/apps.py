from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "porch.inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.inbox.ingest import INBOX_SINK
        from porch.networks.poller import INCOMING, register_sink

        # Polled mentions, replies and messages arrive in the inbox (triaged before storing).
        register_sink(INCOMING, INBOX_SINK)

        # Replies that could not go out at once are retried by the workers.
        register(Periodic("send-due-replies", "porch.inbox.tasks.send_due_replies", 5))
        # Alerts whose task was lost, or is due to try again, are swept up.
        register(Periodic("send-due-alerts", "porch.inbox.tasks.send_due_alerts", 30))

        from porch.inbox import events

        # Messages and complaints are told to the API's webhooks (porch.core.events).
        events.register()

        from porch.core.health import register_check
        from porch.inbox import health, members
        from porch.workspaces.pages import add_to_members_page

        # The health page's replies not sent; the members page's word on helpers' replies.
        register_check(workspace=health.workspace_figures)
        add_to_members_page(members.members_page_facts)
