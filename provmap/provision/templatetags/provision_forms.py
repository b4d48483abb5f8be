"""What the provision pages' forms send back: the signed copy of what a page shows."""

from __future__ import annotations

from django import template

from provmap.provision.forms import sign_provision_snapshot
from provmap.provision.models import Provision
from provmap.provision.services import provision_snapshot

register = template.Library()


@register.filter
def provision_read(provision: Provision, finance: bool = False) -> str:
    """The signed copy of what a page shows of a catalogue entry, for its forms to send back
    (the delete button), so that a refusal can say what changed since. Its costing only for a
    user with the finance right (`{{ provision|provision_read:school_pages.finance }}`)."""
    return sign_provision_snapshot(provision_snapshot(provision, finance=bool(finance)))
