from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "provmap.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from allauth.mfa.signals import authentication_failed
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from provmap.accounts import checks, signals

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="provmap_logged_in")
        user_login_failed.connect(signals.on_user_login_failed, dispatch_uid="provmap_login_failed")
        authentication_failed.connect(
            signals.on_mfa_authentication_failed, dispatch_uid="provmap_mfa_failed"
        )
        password_reset.connect(signals.on_password_reset, dispatch_uid="provmap_password_reset")
        checks.register()
