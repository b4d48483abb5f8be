"""Rolling the map forward: what is written, all or nothing, and never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.planning.rollforward import Choices
from provmap.planning.rolling import roll_fingerprint, roll_forward, roll_preview
from provmap.provision.models import Placement, ProvisionRun, RunSlot, RunStaff
from tests.factories import ProvisionFactory, PupilFactory
from tests.planning.rollforward_world import (
    RollWorld,
    add_slotted_run,
    build_roll_world,
    decide,
)
from tests.web.map_world import add_run, pupils

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll() -> RollWorld:
    return build_roll_world()


def test_a_continuing_run_is_copied_with_its_staff_slots_funding_and_pupils(roll):
    world = roll.world
    source = add_slotted_run(world, label="Group A", day_time="Mon 9:00", withdrawn_from="English")
    stopped = ProvisionFactory(school=world.school, name="Social skills")
    add_run(world, provision=stopped, pupils=pupils(world, 1))
    decide(world, stopped, "stop", dt.date(2025, 12, 3))
    leaver = PupilFactory(school=world.school, on_roll_to=dt.date(2025, 12, 19))
    Placement.objects.create(
        school=world.school, run=source, pupil=leaver, start_date=source.start_date, status="active"
    )

    rolled = roll_forward(
        source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="Sam Reed"
    )

    assert rolled.summary == "1 run and 2 places created"
    run = ProvisionRun.objects.get(term=roll.spring)
    assert run == rolled.runs[0]
    assert (run.provision, run.label, run.status) == (world.provision, "Group A", "planned")
    assert (run.start_date, run.end_date) == (roll.spring.start_date, roll.spring.end_date)
    # The term's 12 teaching weeks, no more than the provision's usual 10.
    assert run.weeks == Decimal("10")
    assert (run.sessions_per_week, run.minutes_per_session) == (Decimal("3"), 30)
    assert (run.day_time, run.withdrawn_from) == ("Mon 9:00", "English")
    assert (run.funding_stream, run.lead_staff) == (world.fund, world.senco_staff)
    assert set(RunStaff.objects.filter(run=run).values_list("staff__name", flat=True)) == {
        "Sam Reed",
        "Jo Bloggs",
    }
    assert list(RunSlot.objects.filter(run=run).values_list("weekday", "subject")) == [
        (1, "English")
    ]
    carried = Placement.objects.filter(run=run)
    assert set(carried.values_list("pupil_id", flat=True)) == set(
        source.placements.exclude(pupil=leaver).values_list("pupil_id", flat=True)
    )
    assert set(carried.values_list("status", "start_date")) == {("planned", roll.spring.start_date)}
    assert run.notes.startswith("Rolled forward from Autumn 2025-26 by Sam Reed")


def test_at_a_new_year_year_11_leaves_and_the_others_are_carried(roll):
    world = roll.world
    year_7 = pupils(world, 1, nc_year="7")[0]
    year_11 = pupils(world, 1, nc_year="11")[0]
    # Spring's run ends with the year's last term before the new one.
    run = add_run(
        world,
        pupils=[year_7, year_11],
        term=roll.spring,
        start_date=roll.spring.start_date,
        end_date=roll.spring.end_date,
    )
    preview = roll_preview(source=roll.spring, target=roll.next_autumn)
    assert preview.new_year
    copy = preview.roll.copies[0]
    assert [(c.pupil_id, c.to_year) for c in copy.carried] == [(year_7.pk, "8")]
    assert [(c.pupil_id, c.reason) for c in copy.left] == [(year_11.pk, "finished Year 11")]

    rolled = roll_forward(
        source_term=roll.spring, target_term=roll.next_autumn, choices=Choices(), by="Sam"
    )
    assert [p.pupil for p in rolled.places] == [year_7]
    assert rolled.runs[0].academic_year == roll.next_autumn.academic_year
    assert run.placements.count() == 2  # this term's map is untouched


def test_choices_leave_runs_and_pupils_behind(roll):
    world = roll.world
    kept = add_slotted_run(world, 2, label="A")
    dropped = add_slotted_run(world, 1, label="B")
    first, second = kept.placements.order_by("pk")
    rolled = roll_forward(
        source_term=roll.autumn,
        target_term=roll.spring,
        choices=Choices(
            leave_runs=frozenset({dropped.pk}), leave_places=frozenset({(kept.pk, second.pupil_id)})
        ),
        by="Sam",
    )
    assert [run.label for run in rolled.runs] == ["A"]
    assert [place.pupil_id for place in rolled.places] == [first.pupil_id]


def test_a_failure_part_way_writes_nothing(roll):
    world = roll.world
    add_slotted_run(world, 2, label="A")
    late = add_slotted_run(world, 0, label="B")
    # A pupil joining the school after the spring term cannot be placed in it: the second
    # run's places fail after the first run was made, and nothing stays.
    joiner = PupilFactory(school=world.school, on_roll_from=dt.date(2026, 4, 20))
    Placement.objects.create(
        school=world.school, run=late, pupil=joiner, start_date=late.start_date, status="active"
    )
    with pytest.raises(ValidationError, match="start date"):
        roll_forward(source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="S")
    assert not ProvisionRun.objects.filter(term=roll.spring).exists()
    assert not RunSlot.objects.filter(run__term=roll.spring).exists()
    assert not Placement.objects.filter(run__term=roll.spring).exists()


def test_a_second_roll_is_refused(roll):
    add_slotted_run(roll.world, 2, label="A")
    roll_forward(source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="S")
    with pytest.raises(ValidationError, match="already has Reading catch-up A"):
        roll_forward(source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="S")
    assert ProvisionRun.objects.filter(term=roll.spring).count() == 1
    assert Placement.objects.filter(run__term=roll.spring).count() == 2


def test_a_roll_into_an_earlier_term_or_from_a_changed_map_is_refused(roll):
    run = add_slotted_run(roll.world, 2, label="A")
    with pytest.raises(ValidationError, match="a term after"):
        roll_forward(source_term=roll.spring, target_term=roll.autumn, choices=Choices(), by="S")
    expected = roll_fingerprint(roll_preview(source=roll.autumn, target=roll.spring).roll)
    run.placements.first().delete()
    with pytest.raises(ValidationError, match="changed since the preview"):
        roll_forward(
            source_term=roll.autumn,
            target_term=roll.spring,
            choices=Choices(),
            by="S",
            expected=expected,
        )
    assert not ProvisionRun.objects.filter(term=roll.spring).exists()


def test_nothing_to_roll_is_refused(roll):
    add_run(roll.world, status=ProvisionRun.Status.CLOSED)
    with pytest.raises(ValidationError, match="Nothing to roll forward"):
        roll_forward(source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="S")


def test_the_term_s_runs_are_those_meeting_in_its_dates(roll):
    world = roll.world
    # A run of other dates (no term) that ended within the autumn: copied; a year-long one
    # goes on into the spring: left, and it counts as the spring's own run of its label.
    add_run(world, term=None, label="Short", end_date=dt.date(2025, 11, 28))
    add_run(world, term=None, label="Year", end_date=dt.date(2026, 7, 17))
    preview = roll_preview(source=roll.autumn, target=roll.spring)
    labels = {preview.runs[copy.run_id].label for copy in preview.roll.copies}
    assert labels == {"Short"}
    assert [left.reason for left in preview.roll.left] == [
        "it runs on into the next term (to 17 Jul 2026)"
    ]
    assert (world.provision.pk, "Year") in preview.taken


def test_staff_who_have_left_are_not_copied(roll):
    world = roll.world
    add_slotted_run(world, 1, label="A")
    world.senco_staff.active = False
    world.senco_staff.save()
    preview = roll_preview(source=roll.autumn, target=roll.spring)
    assert preview.rows()[0].staff_gone == ("Sam Reed",)
    rolled = roll_forward(
        source_term=roll.autumn, target_term=roll.spring, choices=Choices(), by="S"
    )
    run = rolled.runs[0]
    assert run.lead_staff is None
    assert list(RunStaff.objects.filter(run=run).values_list("staff__name", flat=True)) == [
        "Jo Bloggs"
    ]
