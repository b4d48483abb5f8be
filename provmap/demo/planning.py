"""The demo's needs audit: next term's audit pre-filled from what the demo school knows (with
reading scores under 85 as a need for structured literacy), then a few of the SENCO's hand
edits, so the audit page opens on a believable grid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from provmap.planning.audit import CellChange, audit_for, audit_prefill, cells_set
from provmap.planning.kinds import kinds_for
from provmap.planning.models import AuditCell, Level, NeedsAudit
from provmap.pupils.models import Measure
from provmap.schools.models import School, Term

READING = "Reading standardised score"
THRESHOLD = Decimal("85")


def create_needs_audit(*, school: School, today: dt.date, by: object) -> NeedsAudit | None:
    """Next term's audit, pre-filled, with three hand edits: a "should" raised to "must", a
    "could" taken off, and an in-class support "should" added to a pupil with an EHC plan.
    None when the school has no term after today."""
    term = Term.objects.filter(school=school, start_date__gt=today).order_by("start_date").first()
    if term is None:
        return None
    kinds = {kind.name: kind for kind in kinds_for(school)}
    audit = audit_for(term, by=by)
    reading = Measure.objects.filter(school=school, name=READING).first()
    audit_prefill(
        audit=audit,
        measure=reading,
        threshold=THRESHOLD if reading is not None else None,
        by=by,
        today=today,
    )
    cells = AuditCell.objects.filter(audit=audit).select_related("pupil", "kind")
    changes = []
    should = cells.filter(level=Level.SHOULD).order_by("pupil__upn", "kind__position").first()
    if should is not None:
        changes.append(CellChange(should.pupil, should.kind, Level.MUST, Level.SHOULD))
    could = cells.filter(level=Level.COULD).order_by("pupil__upn", "kind__position").first()
    if could is not None:
        changes.append(CellChange(could.pupil, could.kind, None, Level.COULD))
    in_class = kinds.get("In-class support")
    ehc = (
        cells.filter(level=Level.MUST, pupil__sen_status="E")
        .exclude(pupil__audit_cells__kind=in_class)
        .order_by("pupil__upn")
        .first()
    )
    if ehc is not None and in_class is not None:
        changes.append(CellChange(ehc.pupil, in_class, Level.SHOULD, None))
    if changes:
        cells_set(audit=audit, changes=changes, by=by, today=today)
    return audit
