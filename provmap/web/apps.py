from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "provmap.web"
    label = "web"
    verbose_name = "Pages"
