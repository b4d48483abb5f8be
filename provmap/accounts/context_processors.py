from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from provmap.accounts.permissions import requires_mfa


def demo(request: HttpRequest) -> dict[str, object]:
    """Demo-only hints (the demo logins) in the demo installation, and whether the user must
    keep two-factor sign-in (worked out only if a template asks)."""
    return {
        "PROVMAP_DEMO": settings.PROVMAP_DEMO,
        "PROVMAP_DEMO_SKIP_MFA": settings.PROVMAP_DEMO_SKIP_MFA,
        "MFA_REQUIRED": SimpleLazyObject(lambda: requires_mfa(request.user)),
    }
