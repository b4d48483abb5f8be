"""The demo's needs audit: next term's, pre-filled, with the SENCO's three hand edits."""

from __future__ import annotations

import pytest

from provmap.planning.models import AuditCell, NeedKind, NeedsAudit
from provmap.schools.models import Term
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_has_next_terms_audit_pre_filled_with_a_few_hand_edits(demo):
    audits = list(NeedsAudit.objects.filter(school_id=demo.school_ids[0]))
    assert len(audits) == 1
    audit = audits[0]
    next_term = Term.objects.filter(school_id=demo.school_ids[0], start_date__gt=TODAY).earliest(
        "start_date"
    )
    assert audit.term == next_term
    cells = AuditCell.objects.filter(audit=audit)
    assert cells.filter(set_by_hand=True).count() == 2  # one raised, one added; one emptied
    assert cells.filter(set_by_hand=False, level="must").exists()
    assert cells.filter(set_by_hand=False, reason__contains="Reading standardised score").exists()
    assert NeedKind.objects.filter(school_id=demo.school_ids[0]).count() == 9
