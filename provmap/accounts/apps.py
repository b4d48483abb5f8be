from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "provmap.accounts"
    label = "accounts"
