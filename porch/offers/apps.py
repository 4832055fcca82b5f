from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "porch.offers"
    verbose_name = "Offers"
