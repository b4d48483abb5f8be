"""The demo's timetable: lessons a week for each year group, slots for most runs now and next
term, and a few clashes on purpose."""

from __future__ import annotations

import pytest

from provmap.demo.generator import DemoSummary
from provmap.demo.timetable import LESSONS, YEARS
from provmap.planning import clash_reads
from provmap.planning.models import SubjectLessons
from provmap.provision.models import ProvisionRun, RunSlot
from provmap.schools.models import School, Term
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db


def _report(term: Term) -> clash_reads.ClashReport:
    return clash_reads.period_clashes(term.school, term.start_date, term.end_date)


def test_every_year_group_has_its_lessons_a_week(demo: DemoSummary) -> None:
    school = School.objects.get()
    rows = SubjectLessons.objects.filter(school=school)
    assert rows.count() == len(YEARS) * len(LESSONS)
    assert sum(LESSONS.values()) == 25


def test_most_runs_now_and_next_term_meet_at_set_times_with_a_clash_or_two(
    demo: DemoSummary,
) -> None:
    school = School.objects.get()
    now = Term.objects.get(school=school, start_date__lte=TODAY, end_date__gte=TODAY)
    runs = ProvisionRun.objects.filter(term=now)
    with_slots = runs.filter(slots__isnull=False).distinct().count()
    assert with_slots >= 0.6 * runs.count()
    report = _report(now)
    assert 1 <= len({clash.runs for clash in report.pupil_clashes}) <= 2
    english = [m for m in report.flagged_missed if m.subject == "English"]
    assert english and english[0].missed >= 3
    assert RunSlot.objects.filter(run__term__start_date__gt=TODAY).exists()
