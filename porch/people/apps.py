from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "porch.people"
    verbose_name = "People"
