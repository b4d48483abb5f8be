from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "provmap.provision"
    label = "provision"
