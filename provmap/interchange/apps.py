from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "provmap.interchange"
    label = "interchange"
    verbose_name = "Imports and exports"
