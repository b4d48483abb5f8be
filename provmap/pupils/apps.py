from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "provmap.pupils"
    label = "pupils"
