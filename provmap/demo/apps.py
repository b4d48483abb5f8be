from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "provmap.demo"
    label = "demo"
