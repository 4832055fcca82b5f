from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "porch.offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from porch.core.scheduler import Periodic, register
        from porch.core.snippets import register_snippets
        from porch.offers.person import person_panel
        from porch.offers.privacy import erase_offers, export_offers
        from porch.offers.snippets import offer_snippets
        from porch.people.panels import register_person_panel
        from porch.people.privacy import register_erasure, register_export

        # People, publishing and privacy do not import offers: they ask these registries.
        # A person's page shows their codes and redemptions; erasing or exporting a person
        # reaches them; the composer can insert a running offer's code or link.
        register_person_panel(person_panel)
        register_erasure(erase_offers)
        register_export(export_offers)
        register_snippets(offer_snippets)

        from porch.offers import events

        # Redemptions at the counter and till imports are told to the API's webhooks.
        events.register()

        # Per-person codes queued by the owner go out by direct message, retried with backoff.
        register(Periodic("send-offer-codes", "porch.offers.tasks.send_offer_codes", 5))
