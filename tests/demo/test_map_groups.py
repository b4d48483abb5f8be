"""How the map builder forms a provision's groups in the largest school the demo builds
(no database): every group of a provision in a term has its own label."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from provmap.demo.catalogue import PROVISIONS
from provmap.demo.management.commands.seed_demo import MAX_PUPILS_PER_SCHOOL
from provmap.demo.mapping import GROUP_LETTERS, Choice, MapBuilder, group_letter
from provmap.demo.register import plan_register
from provmap.demo.school_calendar import current_start_year, year_dates

TODAY = dt.date(2026, 2, 10)


def test_group_letters_run_on_into_numbers_and_never_repeat() -> None:
    # The first ten as the demo has always lettered them.
    assert "".join(group_letter(number) for number in range(10)) == "ABCDEFGHJK"
    labels = [group_letter(number) for number in range(200)]
    assert len(set(labels)) == len(labels)
    assert labels[len(GROUP_LETTERS)] == str(len(GROUP_LETTERS) + 1)


def test_the_largest_school_gives_each_group_of_a_provision_its_own_label() -> None:
    current = year_dates(current_start_year(TODAY))
    plans = plan_register(
        random.Random(7),
        la_code="886",
        estab_code="4001",
        pupils=MAX_PUPILS_PER_SCHOOL,
        current=current,
        previous=year_dates(current.start_year - 1),
        today=TODAY,
    )
    # Only the pupils and the year are used in forming groups.
    builder = MapBuilder(
        school=None,  # type: ignore[arg-type]
        rng=random.Random(1),
        today=TODAY,
        pupils=plans,
        measures={},
        catalogue={},
        streams={},
        staff=None,  # type: ignore[arg-type]
        start_year=current.start_year,
    )
    spec = next(
        spec
        for spec in PROVISIONS
        if not spec.ehc_all and not spec.one_to_one and spec.slot != "lesson"
    )
    # A year group of over 550 pupils is where the demo used to fail; here a whole Key
    # Stage 3 (about 2,700 pupils) asks for the same provision.
    chosen = [
        Choice(pupil, "", "should", 1.0)
        for pupil in plans
        if pupil.on_roll_to is None and pupil.year_in(current.start_year) <= 9
    ]
    assert len(chosen) > 2000
    groups = builder._groups(spec, chosen)
    labels = Counter(label for label, _, _ in groups)
    assert len(groups) > len(GROUP_LETTERS)
    assert max(labels.values()) == 1
    assert sum(len(members) for _, _, members in groups) == len(chosen)
