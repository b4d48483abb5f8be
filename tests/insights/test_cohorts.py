"""Impact through groups of pupils, read from the database: results by group, wider outcomes
before and after, gaps between groups over terms, and who is not progressing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.insights import cohorts
from provmap.insights.selectors import provision_impacts
from provmap.provision.models import Placement
from provmap.provision.services import placement_record_result, run_create
from provmap.pupils.models import Measure, Pupil, PupilNeed, SENStatus, SENStatusPeriod
from provmap.pupils.services import result_record
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    PupilFactory,
    TermFactory,
)
from tests.insights.school_data import COMPARISON, ENTRY, EXIT, cohort_results, reading_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def term():
    return TermFactory()


def the_impact(term, provision):
    impacts = provision_impacts(term.school, academic_year=term.academic_year)
    return next(item for item in impacts if item.provision == provision)


def participants_of(provision) -> list[Pupil]:
    return list(Pupil.objects.filter(placements__run__provision=provision).order_by("pk"))


# --- Which measure tells what -----------------------------------------------------------------


def test_wider_kinds_and_attendance_bands(term):
    school = term.school
    kinds = {
        cohorts.wider_kind(MeasureFactory(school=school, name=name, scale=scale))
        for name, scale in [
            ("Attendance %", "percent"),
            ("Behaviour points", "count"),
            ("Maths standardised score", "standardised"),
            ("GCSE English grade", "grade"),
        ]
    }
    assert kinds == {"attendance", "behaviour", "attainment"}
    assert cohorts.wider_kind(MeasureFactory(school=school, name="SDQ", scale="rating")) is None
    # The measure's kind decides, not its name.
    named = MeasureFactory(school=school, name="Attendance at club", scale="percent", kind="other")
    assert cohorts.wider_kind(named) is None
    assert [cohorts.attendance_band(value) for value in (None, 97, 95, 92.5, 90, 89.9)] == [
        "",
        "95% or more",
        "95% or more",
        "90-95%",
        "90-95%",
        "below 90%",
    ]


# --- One provision by group -------------------------------------------------------------------


def test_results_by_group_of_the_hand_worked_provision(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    pupils = participants_of(provision)
    # Gains 6, 9, 5, 9, 6: the first two on SEN support (SPLD), the first boys.
    Pupil.objects.filter(pk__in=[pupils[0].pk, pupils[1].pk]).update(sen_status=SENStatus.SUPPORT)
    Pupil.objects.filter(pk=pupils[0].pk).update(sex="M")
    for pupil in pupils[:2]:
        PupilNeed.objects.create(school=term.school, pupil=pupil, need_type="SPLD", rank=1)
    impact = the_impact(term, provision)

    found = cohorts.participants(impact, as_of=dt.date(2025, 12, 20))
    # By run: the 1st, 3rd and 5th pupils in the first, the 2nd and 4th in the second.
    order = [pupils[index].pk for index in (0, 2, 4, 1, 3)]
    assert [row.pupil.pk for row in found] == order
    assert [row.progress.gain for row in found] == [6, 5, 6, 9, 9]
    groups = dict(cohorts.impact_by_group(impact, found))

    assert list(groups) == ["SEN status", "Area of need", "Sex", "Year group"]
    (support,) = groups["SEN status"]
    assert (support.group.label, support.n, support.mean_gain) == ("SEN support", 2, 7.5)
    # Two pupils: a before-and-after effect (7.5 / 15) but too few to judge or compare.
    assert support.raw.value == pytest.approx(0.5)
    assert support.adjusted is None and support.effect is None
    (area,) = groups["Area of need"]
    assert (area.group.label, area.n) == ("Cognition and learning", 2)
    (boys,) = groups["Sex"]
    assert (boys.n, boys.mean_gain) == (1, 6)
    # Every pupil is in Year 7: the whole provision, in the measure's model.
    (year7,) = groups["Year group"]
    assert (year7.group.label, year7.n) == ("Year 7", 5)
    assert year7.basis == "adjusted"
    assert year7.effect.value == pytest.approx(impact.adjusted.effect.value)
    assert year7.effect.low == pytest.approx(impact.adjusted.effect.low)


def test_groups_count_pupils_by_their_status_and_year_when_the_run_started(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    pupils = participants_of(provision)
    # The first pupil was on SEN support during the run, and has none now.
    SENStatusPeriod.objects.create(
        school=term.school,
        pupil=pupils[0],
        status=SENStatus.SUPPORT,
        start_date=dt.date(2025, 6, 1),
        end_date=dt.date(2026, 3, 1),
    )
    impact = the_impact(term, provision)

    # A year on, the pupils in Year 7 now were in Year 6 when the run started.
    found = cohorts.participants(impact, as_of=dt.date(2026, 10, 1))
    groups = dict(cohorts.impact_by_group(impact, found))

    (support,) = groups["SEN status"]
    assert (support.group.label, support.n) == ("SEN support", 1)
    (year,) = groups["Year group"]
    assert (year.group.label, year.n) == ("Year 6", 5)


# --- Wider outcomes -----------------------------------------------------------------------


def test_wider_outcomes_before_and_after_beside_pupils_who_did_not_take_part(term):
    school = term.school
    provision = reading_group(term)  # runs the whole autumn term: 1 Sep to 19 Dec 2025
    others = cohort_results(term, provision.measure, COMPARISON)
    attendance = MeasureFactory(
        school=school, name="Attendance %", scale="percent", min_value=0, max_value=100
    )
    behaviour = MeasureFactory(
        school=school,
        name="Behaviour points",
        scale="count",
        higher_is_better=False,
        min_value=0,
        max_value=500,
    )
    typing = MeasureFactory(school=school, name="Typing speed", scale="raw", min_value=0)
    for pupil, before, after in zip(
        participants_of(provision), [90, 92, 94, 96, 98], [93, 95, 96, 97, 99], strict=True
    ):
        # Outside the 120-day windows: ignored.
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 3, 1), value=50)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2026, 6, 30), value=50)
        # The last result before the start, and the last within 120 days of the end.
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 6, 1), value=70)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 7, 18), value=before)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2026, 1, 9), value=60)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2026, 2, 13), value=after)
        result_record(pupil=pupil, measure=behaviour, date=dt.date(2025, 7, 18), value=10)
        result_record(pupil=pupil, measure=behaviour, date=dt.date(2026, 2, 13), value=6)
        result_record(pupil=pupil, measure=typing, date=dt.date(2025, 7, 18), value=20)
        result_record(pupil=pupil, measure=typing, date=dt.date(2026, 2, 13), value=30)
    for pupil in others:
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 7, 18), value=95)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2026, 2, 13), value=95.5)
    impact = the_impact(term, provision)

    with CaptureQueriesContext(connection) as queries:
        outcomes = cohorts.wider_outcomes(school, impact, as_of=dt.date(2026, 11, 24))

    assert len(queries) == 3
    assert [(item.kind, item.measure.name) for item in outcomes] == [
        ("attendance", "Attendance %"),
        ("behaviour", "Behaviour points"),
    ]
    present, conduct = outcomes
    assert (present.n, present.before, present.after) == (5, 94, 96)
    assert present.change == pytest.approx(2)
    assert (present.others_n, present.others_change) == (5, pytest.approx(0.5))
    assert present.difference == pytest.approx(1.5)
    assert present.label == "Attendance"
    # Fewer behaviour points is better: 10 down to 6 is a gain of 4.
    assert (conduct.before, conduct.after, conduct.change) == (10, 6, 4)
    assert conduct.others_n == 0 and conduct.difference is None


def test_wider_outcomes_wait_for_placements_to_end(term):
    provision = reading_group(term)
    impact = the_impact(term, provision)
    assert cohorts.wider_outcomes(term.school, impact, as_of=dt.date(2025, 10, 1)) == []


# --- Gaps between groups over terms ---------------------------------------------------------


def two_terms(term):
    spring = TermFactory(
        academic_year=term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=Decimal("12"),
    )
    return term, spring


def sit(pupils, measure, scores):
    for pupil in pupils:
        for day, value in scores:
            result_record(pupil=pupil, measure=measure, date=day, value=value)


def test_group_gaps_over_terms_from_the_database(term):
    school = term.school
    autumn, spring = two_terms(term)
    reading = MeasureFactory(school=school, name="Reading")
    disadvantaged = PupilFactory.create_batch(6, school=school, pupil_premium=True)
    others = PupilFactory.create_batch(6, school=school)
    # Autumn: 88 then 90 (the last result of the term counts); spring 96.
    sit(disadvantaged, reading, [(dt.date(2025, 9, 10), 88), (dt.date(2025, 11, 10), 90)])
    sit(disadvantaged, reading, [(dt.date(2026, 1, 20), 96)])
    sit(others, reading, [(dt.date(2025, 9, 10), 100), (dt.date(2026, 1, 20), 100)])
    # Only five boys: enough to show; only four EAL pupils: too few.
    Pupil.objects.filter(pk__in=[p.pk for p in others[:5]]).update(sex="M")
    Pupil.objects.filter(pk__in=[p.pk for p in disadvantaged[:4]]).update(eal=True)
    # A measure few pupils sit is no cohort measure.
    speech = MeasureFactory(school=school, name="Speech", min_value=0, max_value=20)
    sit(disadvantaged[:2], speech, [(dt.date(2025, 9, 10), 10)])

    with CaptureQueriesContext(connection) as queries:
        report = cohorts.group_gaps_report(school, as_of=dt.date(2026, 11, 24))

    assert len(queries) <= 7
    assert report.measures == [reading]
    assert report.measure == reading
    assert report.terms == [autumn, spring]
    assert report.term_labels == ["Aut 25", "Spr 26"]
    gaps = {gap.group.key: gap for gap in report.groups}
    pp = gaps["pp"]
    assert [(row.group_mean, row.peers_mean, row.gap) for row in pp.terms] == [
        (90, 100, 10),
        (96, 100, 4),
    ]
    assert pp.direction == "narrowing"
    assert pp.sentence == (
        "Disadvantaged pupils were 10 points behind other pupils in Autumn 2025-26 and 4 "
        "behind in Spring 2025-26: the gap is narrowing."
    )
    assert (pp.n, pp.n_peers) == (6, 6)
    # Boys (5, all not disadvantaged) against girls (the 6 disadvantaged and one other).
    boys = gaps["sex-M"]
    assert boys.terms[0].gap == pytest.approx(-(100 - (6 * 90 + 100) / 7))
    eal = gaps["eal"]
    assert not eal.shown and eal.sentence == ""
    assert [category for category, _ in report.categories] == [
        "Disadvantaged",
        "EAL",
        "Sex",
        "Year group",
    ]


def test_group_gaps_of_a_head_of_years_pupils_only(term):
    school = term.school
    two_terms(term)
    reading = MeasureFactory(school=school, name="Reading")
    year9 = PupilFactory.create_batch(5, school=school, nc_year="9", pupil_premium=True)
    year9 += PupilFactory.create_batch(5, school=school, nc_year="9")
    year7 = PupilFactory.create_batch(10, school=school, nc_year="7", pupil_premium=True)
    sit(year9[:5], reading, [(dt.date(2025, 9, 10), 90)])
    sit(year9[5:], reading, [(dt.date(2025, 9, 10), 100)])
    sit(year7, reading, [(dt.date(2025, 9, 10), 70)])

    report = cohorts.group_gaps_report(
        school, as_of=dt.date(2026, 11, 24), nc_years=frozenset({"9"})
    )

    gaps = {gap.group.key: gap for gap in report.groups}
    assert gaps["pp"].terms[0].gap == 10
    assert "year-7" not in gaps


def test_group_gaps_without_terms_or_measures(term):
    assert cohorts.group_gaps_report(term.school, as_of=dt.date(2024, 1, 1)).terms == []
    report = cohorts.group_gaps_report(term.school, as_of=dt.date(2026, 11, 24))
    assert report.measure is None and report.groups == []


# --- Who is not progressing -----------------------------------------------------------------


def test_who_is_not_progressing_from_the_database(term):
    school = term.school
    provision = reading_group(term)  # criterion: a gain of 5; gains 6, 9, 5, 9, 6
    pupils = participants_of(provision)
    # The first pupil also went to a nurture group and gained nothing there: one of two
    # placements met its criterion, so they still count as progressing.
    nurture_measure = MeasureFactory(
        school=school, name="Boxall", scale="rating", min_value=0, max_value=100
    )
    nurture = ProvisionFactory(
        school=school, name="Nurture", measure=nurture_measure, success_gain=Decimal("4")
    )
    run = run_create(provision=nurture, academic_year=term.academic_year, term=term)
    stuck_pupils = [pupils[0], *PupilFactory.create_batch(2, school=school, eal=True)]
    for pupil in stuck_pupils:
        placement = PlacementFactory(run=run, pupil=pupil, status=Placement.Status.COMPLETED)
        placement_record_result(placement=placement, stage="baseline", value=50, date=ENTRY)
        placement_record_result(placement=placement, stage="exit", value=51, date=EXIT)
    attendance = MeasureFactory(
        school=school, name="Attendance %", scale=Measure.Scale.PERCENT, min_value=0, max_value=100
    )
    for pupil, value in zip(stuck_pupils[1:], [85, 88], strict=True):
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 12, 19), value=value)

    found = cohorts.not_progressing(
        school, academic_year=term.academic_year, as_of=dt.date(2026, 1, 1)
    )

    assert len(found.pupils) == 7
    assert {item.pupil.pk for item in found.stuck} == {p.pk for p in stuck_pupils[1:]}
    first = next(item for item in found.pupils if item.pupil == pupils[0])
    assert first.progressing
    # Runs come in catalogue order: Nurture, then Reading boost.
    assert [item.progressed for item in first.placements] == [False, True]
    assert first.provisions == ["Nurture", "Reading boost"]
    report = found.report
    assert (report.n_not_progressing, report.n_progressing) == (2, 5)
    top = [(item.trait, item.value) for item in report.over_represented[:3]]
    assert ("Attendance", "below 90%") in top
    assert ("EAL", "yes") in top
    assert ("Took part in", "Nurture") in top


def test_progress_without_a_criterion_needs_a_tenth_of_an_sd():
    from provmap.insights.progress import PupilProgress

    def progress(gain, change, met=None):
        return PupilProgress(
            baseline=0,
            exit=gain,
            gain=gain,
            ratio_gain=None,
            good_ratio_gain=None,
            standardised_change=change,
            met_criterion=met,
            rating=None,
            gap_before=None,
            gap_after=None,
            gap_narrowed=None,
        )

    assert cohorts.progressed(progress(1, 0.2, met=False)) is False
    assert cohorts.progressed(progress(1, 0.05, met=True)) is True
    assert cohorts.progressed(progress(1.5, 0.10)) is True
    assert cohorts.progressed(progress(1.4, 0.09)) is False
    assert cohorts.progressed(progress(1, None)) is True
    assert cohorts.progressed(progress(0, None)) is False
