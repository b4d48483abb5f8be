from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "provmap.interchange"
    label = "interchange"
    verbose_name = "Imports and exports"

    def ready(self) -> None:
        # Imports keep copies of pupils' names: shown in a subject access export, removed on
        # erasure (provmap.accounts.data_protection).
        from provmap.accounts.data_protection import register_pupil_copies
        from provmap.interchange.erasure import IMPORT_COPIES

        register_pupil_copies(IMPORT_COPIES)
