from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "porch.people"
    verbose_name = "People"

    def ready(self) -> None:
        from porch.core.who import register_describer
        from porch.people.services import describe_authors

        # The inbox and listening ask core who an author is; people answers.
        register_describer(describe_authors)

        from porch.core.scheduler import Periodic, register

        # Every new message's and hit's author becomes a person within seconds
        # (porch.people.sync); follower lists are read about daily, resuming where a
        # pass stopped (porch.people.follows); who may be one person is looked at hourly
        # (porch.people.merge), the owner confirms.
        register(Periodic("people-sweep", "porch.people.tasks.sweep_people", 5))
        register(Periodic("people-followers", "porch.people.tasks.sync_followers", 600))
        register(Periodic("people-merges", "porch.people.tasks.suggest_merges", 3600))
