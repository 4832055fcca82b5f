from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "porch.listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from porch.core.scheduler import Periodic, register
        from porch.listening import firehose
        from porch.listening.ingest import LISTENING, LISTENING_SINK, LISTENING_SOURCE
        from porch.listening.models import Search
        from porch.networks.firehose import register_firehose_sink
        from porch.networks.poller import register_sink, register_source

        # Each active search is a source of the poller (key: the search's id); what it
        # finds is triaged and stored once as hits.
        register_source(LISTENING_SOURCE)
        register_sink(LISTENING, LISTENING_SINK)
        # Every post of a network's firehose is matched against every workspace's searches
        # on it at once; what matches is stored the same way. A search saved or removed here
        # rebuilds the matcher at once (other processes see it within seconds).
        register_firehose_sink(firehose.LISTENING_FIREHOSE)
        for signal in (post_save, post_delete):
            signal.connect(firehose.forget, sender=Search, dispatch_uid=f"firehose-{signal}")

        # Accounts connected after a search was made start running it.
        register(Periodic("follow-searches", "porch.listening.tasks.follow_searches", 600))
        # A search well above its usual day is told by the inbox's alert channels, and as
        # an event to the API's webhooks (porch.core.events).
        from porch.listening import events

        events.register()
        register(Periodic("listening-spikes", "porch.listening.tasks.watch_spikes", 900))
