from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from provmap.accounts.access import led_trusts
from provmap.accounts.models import User
from provmap.accounts.permissions import requires_mfa
from provmap.schools.models import Trust


def demo(request: HttpRequest) -> dict[str, object]:
    """Demo-only hints (the demo logins) in the demo installation, and whether the user must
    keep two-factor sign-in (worked out only if a template asks)."""
    return {
        "PROVMAP_DEMO": settings.PROVMAP_DEMO,
        "PROVMAP_DEMO_SKIP_MFA": settings.PROVMAP_DEMO_SKIP_MFA,
        "MFA_REQUIRED": SimpleLazyObject(lambda: requires_mfa(request.user)),
    }


def trusts(request: HttpRequest) -> dict[str, object]:
    """The trusts a signed-in user leads, for the navigation's link to each trust's leaders
    (read from the memberships the request already holds)."""
    user = request.user

    def led() -> list[Trust]:
        return led_trusts(user) if isinstance(user, User) else []

    return {"LED_TRUSTS": SimpleLazyObject(led)}
