from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "porch.listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.listening.ingest import LISTENING, LISTENING_SINK, LISTENING_SOURCE
        from porch.networks.poller import register_sink, register_source

        # Each active search is a source of the poller (key: the search's id); what it
        # finds is triaged and stored once as hits.
        register_source(LISTENING_SOURCE)
        register_sink(LISTENING, LISTENING_SINK)

        # Accounts connected after a search was made start running it.
        register(Periodic("follow-searches", "porch.listening.tasks.follow_searches", 600))
        # A search well above its usual day is told by the inbox's alert channels.
        register(Periodic("listening-spikes", "porch.listening.tasks.watch_spikes", 900))
