"""Signing in through the real pages, with the authenticator code when one is asked for."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.factories import PASSWORD, totp_code


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form; when the account has an authenticator, enter the code an app
    set up with tests.factories.TOTP_SECRET would show."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/mfa/authenticate/" in page.url:
        page.get_by_label("Code from your app").fill(totp_code())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
