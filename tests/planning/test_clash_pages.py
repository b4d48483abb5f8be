"""Timetable slots (services and the run's edit page), the lessons a week page, the clashes
page and the clash flags on the pupil and run pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditEvent, Role
from provmap.planning import lessons
from provmap.planning.models import SubjectLessons
from provmap.provision import slots
from provmap.provision.models import Placement, RunSlot
from provmap.pupils.models import Pupil
from tests.factories import ProvisionFactory, PupilFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, pupils

pytestmark = pytest.mark.django_db

T = dt.time


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world() -> World:
    return build_world()


def _clash_world(world: World):
    """Ann in Lexia (Tue 09:00-09:30, English) and Maths catch-up (Tue 09:15-10:00,
    English): a clash for her, and for the SENCO who leads both; Year 7 has 4 English
    lessons a week and she misses 2 of them."""
    ann = PupilFactory(school=world.school, legal_forename="Ann", surname="Ash", nc_year="7")
    lexia = add_run(
        world,
        pupils=[ann],
        provision=ProvisionFactory(school=world.school, name="Lexia"),
        staff=[world.senco_staff],
    )
    maths = add_run(
        world,
        pupils=[ann],
        provision=ProvisionFactory(school=world.school, name="Maths catch-up"),
        staff=[world.senco_staff],
    )
    slots.slot_add(run=lexia, weekday=2, start_time=T(9), end_time=T(9, 30), subject="English")
    slots.slot_add(run=maths, weekday=2, start_time=T(9, 15), end_time=T(10), subject="English")
    SubjectLessons.objects.create(
        school=world.school, nc_year="7", subject="English", lessons_per_week=4
    )
    return ann, lexia, maths


# --- Slot services -----------------------------------------------------------------------


def test_a_slot_outside_the_school_day_or_back_to_front_is_refused(world):
    run = add_run(world)
    with pytest.raises(ValidationError) as early:
        slots.slot_add(run=run, weekday=1, start_time=T(7), end_time=T(7, 45))
    assert "Give times in the school day, from 07:30 to 18:00." in early.value.messages
    with pytest.raises(ValidationError) as reversed_times:
        slots.slot_add(run=run, weekday=1, start_time=T(10), end_time=T(9, 30))
    assert reversed_times.value.messages == ["The start (10:00) must be before the end (09:30)."]
    with pytest.raises(ValidationError) as saturday:
        slots.slot_add(run=run, weekday=6, start_time=T(9), end_time=T(9, 30))
    assert saturday.value.messages == ["Choose a day from Monday to Friday."]
    assert not RunSlot.objects.filter(run=run).exists()


def test_slots_of_one_run_may_not_overlap_and_extra_slots_are_warned_about(world):
    run = add_run(world, sessions_per_week=Decimal("1.5"))
    slot = slots.slot_add(
        run=run, weekday=1, start_time=T(9), end_time=T(9, 30), subject="  English "
    )
    assert (slot.school_id, slot.subject, slot.text) == (
        world.school.pk,
        "English",
        "Mon 09:00-09:30 (English)",
    )
    with pytest.raises(ValidationError) as overlap:
        slots.slot_add(run=run, weekday=1, start_time=T(9, 15), end_time=T(9, 45))
    assert overlap.value.messages == [
        "Monday 09:15-09:45 overlaps Monday 09:00-09:30, when the run already meets."
    ]
    slots.slot_add(run=run, weekday=3, start_time=T(9), end_time=T(9, 30))
    assert slots.slot_warnings(run, 2) == []
    assert slots.slot_warnings(run, 3) == [
        f"{run} now meets 3 times a week but has 2 sessions a week: check its slots or its "
        "sessions."
    ]
    slots.slot_remove(slot=slot)
    assert list(RunSlot.objects.filter(run=run).values_list("weekday", flat=True)) == [3]


def test_setting_all_slots_is_all_or_nothing(world):
    run = add_run(world)
    slots.slot_add(run=run, weekday=1, start_time=T(9), end_time=T(9, 30))
    with pytest.raises(ValidationError) as error:
        slots.slots_set(
            run=run,
            slots=[
                slots.SlotValues(2, T(9), T(9, 30), "Maths"),
                slots.SlotValues(2, T(9, 20), T(9, 50)),
                slots.SlotValues(3, T(18), T(19)),
            ],
        )
    assert error.value.messages == [
        "Slot 2: Tuesday 09:20-09:50 overlaps Tuesday 09:00-09:30, when the run already meets.",
        "Slot 3: Give times in the school day, from 07:30 to 18:00.",
    ]
    assert list(RunSlot.objects.filter(run=run).values_list("weekday", flat=True)) == [1]
    slots.slots_set(
        run=run,
        slots=[slots.SlotValues(2, T(9), T(9, 30), "Maths"), slots.SlotValues(4, T(14), T(15))],
    )
    assert [slot.text for slot in RunSlot.objects.filter(run=run)] == [
        "Tue 09:00-09:30 (Maths)",
        "Thu 14:00-15:00",
    ]


# --- Lessons a week ------------------------------------------------------------------------


def test_lessons_are_set_from_lines_all_or_nothing_with_line_and_column(world):
    lessons.subject_lessons_set(
        school=world.school, text="year,subject,lessons\n7,English,4\nYear 8, Maths ,3\n"
    )
    assert sorted(
        SubjectLessons.objects.filter(school=world.school).values_list(
            "nc_year", "subject", "lessons_per_week"
        )
    ) == [("7", "English", 4), ("8", "Maths", 3)]
    with pytest.raises(ValidationError) as error:
        lessons.subject_lessons_set(
            school=world.school, text="7,English,4\nY14,Maths,3\n9,Science,0\n7,english,2\n9,Art"
        )
    assert error.value.messages == [
        "Line 2, column 1: 'Y14' is not a year group.",
        "Line 3, column 3: give the lessons a week as a whole number from 1 to 40 (found '0').",
        "Line 4: english for Year 7 is given already on line 1.",
        "Line 5: give three columns, year, subject and lessons (found 2).",
    ]
    assert SubjectLessons.objects.filter(school=world.school).count() == 2


def test_the_lessons_page_shows_the_grid_and_saves_or_names_the_problems(world):
    client = _client(world.senco)
    url = reverse("subject_lessons", args=[world.school.urn])
    response = client.post(url, {"lines": "7,English,4\n7,Maths,4\n8,English,3"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert '<th scope="row">Year 7</th>' in page and "7,Maths,4" in page
    bad = client.post(url, {"lines": "7,English,four"}).content.decode()
    assert "Nothing was saved" in bad and "Line 1, column 3" in bad
    assert SubjectLessons.objects.filter(school=world.school).count() == 3


def test_the_lessons_grid_edits_cells_and_adds_a_subject_all_or_nothing(world):
    PupilFactory(school=world.school, nc_year="8")
    lessons.subject_lessons_set(school=world.school, text="7,English,4\n7,Maths,4")
    client = _client(world.senco)
    url = reverse("subject_lessons", args=[world.school.urn])
    page = client.get(url).content.decode()
    assert 'name="cell-8-0"' in page and 'name="cell-7-new"' in page
    grid = {
        "mode": "grid",
        "subject-0": "English",
        "subject-1": "Maths",
        "subject-new": "Science",
        "cell-7-0": "5",
        "cell-7-1": "",
        "cell-7-new": "3",
        "cell-8-0": "four",
        "cell-8-1": "4",
        "cell-8-new": "",
    }
    refused = client.post(url, grid).content.decode()
    assert "Year 8, English: give the lessons a week as a whole number from 1 to 40" in refused
    assert SubjectLessons.objects.filter(school=world.school).count() == 2
    grid["cell-8-0"] = "4"
    assert client.post(url, grid).status_code == 302
    assert sorted(
        SubjectLessons.objects.filter(school=world.school).values_list(
            "nc_year", "subject", "lessons_per_week"
        )
    ) == [("7", "English", 5), ("7", "Science", 3), ("8", "English", 4), ("8", "Maths", 4)]


# --- The run's edit page ----------------------------------------------------------------


def test_adding_and_removing_a_slot_from_the_run_edit_page(world):
    SubjectLessons.objects.create(
        school=world.school, nc_year="7", subject="English", lessons_per_week=4
    )
    run = add_run(world, day_time="Mondays")
    client = _client(world.senco)
    edit = client.get(reverse("run_edit", args=[world.school.urn, run.pk])).content.decode()
    assert "When it meets" in edit and '<option value="English">' in edit
    add = reverse("run_slot_add", args=[world.school.urn, run.pk])
    response = client.post(
        add, {"weekday": "1", "start_time": "09:00", "end_time": "09:30", "subject": "English"}
    )
    assert response.status_code == 302
    slot = RunSlot.objects.get(run=run)
    assert slot.text == "Mon 09:00-09:30 (English)"
    assert AuditEvent.objects.filter(summary__contains="meets Mon 09:00-09:30").exists()
    refused = client.post(
        add, {"weekday": "2", "start_time": "17:30", "end_time": "18:30"}, follow=True
    )
    assert "Give times in the school day, from 07:30 to 18:00." in refused.content.decode()
    run_page = client.get(reverse("run_detail", args=[world.school.urn, run.pk])).content.decode()
    assert "Mon 09:00-09:30 (English)" in run_page and "Mondays" not in run_page
    term_map = client.get(
        reverse("term_map", args=[world.school.urn]) + f"?term={world.term.pk}"
    ).content.decode()
    assert "Mon 09:00-09:30 (English)" in term_map
    client.post(reverse("run_slot_remove", args=[world.school.urn, run.pk]), {"slot": slot.pk})
    assert not RunSlot.objects.filter(run=run).exists()


# --- The clashes page and the flags ---------------------------------------------------------


def test_the_clashes_page_lists_each_kind_with_links(world):
    ann, lexia, maths = _clash_world(world)
    world.senco_staff.contracted_hours = Decimal("0.5")  # 30 minutes: over with 2 x 90
    world.senco_staff.save()
    client = _client(world.senco)
    url = reverse("clashes", args=[world.school.urn]) + f"?term={world.term.pk}"
    page = client.get(url).content.decode()
    pupil_url = reverse("pupil_detail", args=[world.school.urn, ann.pk])
    assert f'<a href="{pupil_url}">Ann Ash</a>' in page
    assert reverse("run_detail", args=[world.school.urn, lexia.pk]) in page
    assert reverse("run_detail", args=[world.school.urn, maths.pk]) in page
    assert "Tue 09:15\N{EN DASH}09:30" in page
    assert "Pupils in two runs at once (1)" in page
    assert "Staff in two places at once (1)" in page and "Sam Reed" in page
    assert "Staff hours on runs (1 over their contract)" in page and "600%" in page
    assert "Over by 150 minutes" in page
    assert "Misses 2 of 4 English lessons a week" in page
    event = AuditEvent.objects.filter(summary__startswith="Timetable clashes").get()
    assert list(event.listed.values_list("pupil", flat=True)) == [ann.pk]


def test_the_clashes_page_with_no_term_to_plan_says_so(world):
    page = _client(world.senco).get(reverse("clashes", args=[world.school.urn]))
    assert "No term to plan" in page.content.decode()
    assert reverse("setup_years", args=[world.school.urn]) in page.content.decode()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GOVERNOR, Role.SENIOR_LEADER])
def test_only_editors_open_the_planning_pages(world, role):
    client = _client(member(world.school, role))
    for name in ("clashes", "subject_lessons"):
        assert client.get(reverse(name, args=[world.school.urn])).status_code == 403
    run = add_run(world)
    add = reverse("run_slot_add", args=[world.school.urn, run.pk])
    assert (
        client.post(add, {"weekday": "1", "start_time": "09:00", "end_time": "09:30"}).status_code
        == 403
    )
    assert not RunSlot.objects.exists()


def test_the_pupil_and_run_pages_flag_clashes_and_missed_lessons(world):
    ann, lexia, _maths = _clash_world(world)
    client = _client(world.senco)
    pupil_page = client.get(reverse("pupil_detail", args=[world.school.urn, ann.pk]))
    text = pupil_page.content.decode()
    assert "Clash: Tue 09:15 in Lexia and Maths catch-up" in text
    assert "Misses 2 of 4 English lessons a week" in text
    run_page = client.get(reverse("run_detail", args=[world.school.urn, lexia.pk])).content.decode()
    assert "Pupils in this run with a clash" in run_page
    assert "Ann Ash: Tue 09:15 in Lexia and Maths catch-up" in run_page
    assert "Staff double-booked" in run_page
    assert "Sam Reed: Tue 09:15 in Lexia and Maths catch-up" in run_page


def test_a_withdrawn_pupil_no_longer_clashes_after_their_last_day(world):
    ann, lexia, maths = _clash_world(world)
    place = Placement.objects.get(run=maths, pupil=ann)
    place.end_date = place.start_date
    place.status = Placement.Status.WITHDRAWN
    place.save()
    Placement.objects.filter(run=lexia, pupil=ann).update(start_date=dt.date(2025, 10, 1))
    text = (
        _client(world.senco)
        .get(reverse("pupil_detail", args=[world.school.urn, ann.pk]))
        .content.decode()
    )
    assert "Clash:" not in text
    assert Pupil.objects.filter(pk=ann.pk).exists()


def test_the_clashes_page_costs_the_same_queries_whatever_the_rows(world):
    ann, _lexia, _maths = _clash_world(world)
    client = _client(world.senco)
    url = reverse("clashes", args=[world.school.urn]) + f"?term={world.term.pk}"
    client.get(url)
    first, _ = get_counted(client, url)
    for day in (1, 3, 5):
        group = [ann, *pupils(world, 3, nc_year="7")]
        run = add_run(world, pupils=group, staff=[world.senco_staff, world.ta_staff])
        slots.slot_add(run=run, weekday=day, start_time=T(9), end_time=T(10), subject="English")
        slots.slot_add(run=run, weekday=2, start_time=T(9, 20), end_time=T(9, 40))
    more, response = get_counted(client, url)
    assert response.status_code == 200 and "Pupils in two runs at once (1)" not in (
        response.content.decode()
    )
    assert first == more
