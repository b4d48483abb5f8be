"""The demo's registers keep the rules of a register recorded on a page."""

from __future__ import annotations

from collections import Counter

import pytest

from provmap.demo.generator import DemoSummary
from provmap.provision.models import Placement, ProvisionRun, RunSession, SessionAttendance
from provmap.provision.registers import due_on
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_the_demo_keeps_registers_for_its_runs_up_to_today(demo: DemoSummary):
    sessions = list(RunSession.objects.select_related("run"))
    assert sessions
    assert all(s.run.start_date <= s.date <= min(s.run.end_date, TODAY) for s in sessions)
    assert not ProvisionRun.objects.filter(start_date__gt=TODAY, sessions__isnull=False).exists()
    held = Counter(s.held for s in sessions)
    assert 0.85 < held[True] / len(sessions) < 0.99
    assert all(s.not_held_reason for s in sessions if not s.held)
    assert any(s.note for s in sessions)
    marks = Counter(SessionAttendance.objects.values_list("mark", flat=True))
    assert 0.8 < marks["attended"] / sum(marks.values()) < 0.97
    assert not SessionAttendance.objects.filter(mark="absent", absence_reason="").exists()
    assert not SessionAttendance.objects.filter(session__held=False).exists()


def test_every_pupil_due_at_a_held_session_is_marked(demo: DemoSummary):
    run = ProvisionRun.objects.filter(sessions__held=True).order_by("pk").first()
    placements = list(Placement.objects.filter(run=run))
    for session in RunSession.objects.filter(run=run, held=True):
        marked = set(
            SessionAttendance.objects.filter(session=session).values_list("placement", flat=True)
        )
        assert marked == {p.pk for p in due_on(placements, run, session.date)}
