from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "provmap.planning"
    label = "planning"
    verbose_name = "Planning next term"
