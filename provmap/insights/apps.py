from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "provmap.insights"
    label = "insights"
    verbose_name = "Impact and insights"
