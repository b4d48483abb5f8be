from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "provmap.schools"
    label = "schools"
