from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "porch.publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register

        register(Periodic("publish-due", "porch.publishing.tasks.publish_due_posts", 5))
        register(Periodic("poll-feeds", "porch.publishing.tasks.poll_feeds", 900))

        from porch.publishing import events

        # Posts that went out, or failed for good, are told to the API's webhooks.
        events.register()

        from porch.core.health import register_check
        from porch.publishing import health

        # The health page's posts overdue (install) and late (each workspace).
        register_check(install=health.install_figures, workspace=health.workspace_figures)
