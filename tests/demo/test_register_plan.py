"""The register's plan for the largest school the demo builds (no database)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from provmap.demo.management.commands.seed_demo import MAX_PUPILS_PER_SCHOOL
from provmap.demo.register import FORM_LETTERS, plan_register
from provmap.demo.school_calendar import current_start_year, year_dates


def test_the_largest_school_gets_a_form_for_every_pupil():
    today = dt.date(2026, 2, 10)
    current = year_dates(current_start_year(today))
    plans = plan_register(
        random.Random(7),
        la_code="886",
        estab_code="4001",
        pupils=MAX_PUPILS_PER_SCHOOL,
        current=current,
        previous=year_dates(current.start_year - 1),
        today=today,
    )
    forms = Counter(plan.form for plan in plans)
    assert len(plans) > MAX_PUPILS_PER_SCHOOL * 0.9
    # Year groups of ~900 pupils: every letter used, forms larger than usual, none empty.
    assert {form[-1] for form in forms} <= set(FORM_LETTERS)
    assert all(count > 0 for count in forms.values())
