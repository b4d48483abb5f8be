from django.conf import settings
from django.http import HttpRequest


def demo(request: HttpRequest) -> dict[str, bool]:
    """Lets templates show demo-only hints (the demo logins) in the demo installation."""
    return {"PROVMAP_DEMO": settings.PROVMAP_DEMO}
