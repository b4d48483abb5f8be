from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "provmap.outcomes"
    label = "outcomes"
    verbose_name = "Targets, reviews and voice"
