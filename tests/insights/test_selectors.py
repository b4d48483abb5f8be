"""Impact figures read from the database: a hand-worked provision end to end, the comparison
group's rules, and a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.insights import wording
from provmap.insights.selectors import provision_impacts
from provmap.provision.services import run_create
from provmap.pupils.services import result_record
from tests.factories import (
    AcademicYearFactory,
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


def test_hand_worked_provision_from_the_database(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    raw, adjusted = impact.raw, impact.adjusted
    assert impact.provision == provision
    assert (raw.n, adjusted.n_participants, adjusted.n_comparison) == (5, 5, 5)
    assert raw.mean_gain == 7
    # Raw: 7 / 15 = 0.4667 (6 months); gains' SD sqrt(3.5), SE = 1.8708 / (15 sqrt 5)
    # = 0.05578, interval 0.4667 +/- 2.7764 x 0.05578 = (0.3118, 0.6215).
    assert raw.effect.value == pytest.approx(7 / 15)
    assert raw.effect.low == pytest.approx(0.31181, abs=1e-5)
    assert raw.effect.high == pytest.approx(0.62152, abs=1e-5)
    # Adjusted: 6 points = 0.4 SD, as the ANCOVA by hand; the interval allows for the two
    # groups the pupils were taught in (CR2, 2.85 df): -0.27 to +1.07, -4 to +12 months.
    assert adjusted.difference == pytest.approx(6)
    assert adjusted.effect.value == pytest.approx(0.4)
    assert adjusted.effect.low == pytest.approx(-0.27064, abs=1e-5)
    assert adjusted.effect.high == pytest.approx(1.07064, abs=1e-5)
    assert adjusted.groups == 2
    assert adjusted.df == pytest.approx(2.854, abs=1e-3)
    assert (impact.months_range, impact.months_basis) == ((-4, 12), "adjusted")
    # Criterion 5 points: everyone met it; 9 and 9 reach 1.5 x 5 = 7.5 (Blue).
    assert raw.success_share == 1
    assert raw.ratings == {"R": 0, "A": 0, "G": 3, "B": 2}
    assert raw.completion_share == pytest.approx(0.8)
    # £300 for 5 pupils = £60 each; no price per month while the interval includes zero.
    assert impact.total_cost == Decimal("300.00")
    assert impact.cost_per_pupil == Decimal("60.00")
    assert impact.cost_per_month is None
    assert (impact.expected, impact.missing) == (5, 0)
    assert impact.verdict.headline == wording.HEADLINE_UNCLEAR_CHANCE
    assert impact.verdict.recommendation == "not enough evidence"


def test_pupils_gaps_to_the_cohort_median(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    # Everyone's entries 76..84 and 96..104: median (84 + 96) / 2 = 90.
    # Exits sorted 82 85 87 90 91 97 98 101 103 106: median (91 + 97) / 2 = 94.
    # Each run's pupils against their own run's median: 76, 80, 84 -> 80 and 82, 85, 90 -> 85
    # in the first; 78, 82 -> 80 and 87, 91 -> 89 in the second.
    first, second = impact.runs
    gaps = [(pupil.gap_before, pupil.gap_after) for pupil in first.progress]
    assert sorted(gaps) == [(-4, -5), (0, 0), (4, 3)]
    gaps = [(pupil.gap_before, pupil.gap_after) for pupil in second.progress]
    assert sorted(gaps) == [(-2, -2), (2, 2)]
    progress = first.progress + second.progress
    # Standardised scores: each gain over 15.
    changes = sorted(pupil.standardised_change for pupil in progress)
    assert changes == pytest.approx([5 / 15, 6 / 15, 6 / 15, 9 / 15, 9 / 15])


def test_comparison_leaves_out_pupils_who_do_not_fit(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    measure = provision.measure
    school = term.school
    # Took part in the same provision last year: no fair comparison, even with results now.
    last_year = AcademicYearFactory(
        school=school,
        name="2024-25",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 7, 22),
    )
    veteran = PupilFactory(school=school, on_roll_from=dt.date(2024, 9, 1))
    old_run = run_create(provision=provision, academic_year=last_year)
    PlacementFactory(run=old_run, pupil=veteran)
    result_record(pupil=veteran, measure=measure, date=ENTRY, value=70)
    result_record(pupil=veteran, measure=measure, date=EXIT, value=99)
    # Tested at other times of year.
    cohort_results(
        term, measure, [(90, 91)], entry_date=dt.date(2025, 6, 1), exit_date=dt.date(2026, 6, 1)
    )
    # Only an entry result.
    latecomer = PupilFactory(school=school)
    result_record(pupil=latecomer, measure=measure, date=ENTRY, value=95)
    # Results on another measure.
    other = MeasureFactory(school=school, name="Spelling")
    cohort_results(term, other, [(90, 91)])

    (impact,) = provision_impacts(school, academic_year=term.academic_year)

    assert impact.adjusted.n_comparison == 5
    assert impact.adjusted.difference == pytest.approx(6)


def test_every_year_pools_the_runs(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    last_year = AcademicYearFactory(
        school=term.school,
        name="2024-25",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 7, 22),
    )
    old_run = run_create(provision=provision, academic_year=last_year)  # no staff: £0
    PlacementFactory(run=old_run, pupil=PupilFactory(school=term.school))

    (impact,) = provision_impacts(term.school)

    assert len(impact.runs) == 3
    assert impact.placed == 6
    # £300 shared by 6 pupils placed over both years.
    assert impact.cost_per_pupil == Decimal("50.00")
    assert impact.raw.n == 5


def test_without_a_comparison_group_there_is_no_verdict_months_or_price(term):
    provision = reading_group(term)

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    assert impact.adjusted.effect is None
    assert impact.adjusted.reason == wording.REASON_NO_COMPARISON
    assert impact.raw.mean_gain == 7  # described, not judged
    assert impact.months_basis is None
    assert impact.months_range is None
    assert impact.cost_per_month is None
    assert impact.verdict.basis is None
    assert impact.verdict.headline == wording.HEADLINE_NO_COMPARISON
    assert impact.verdict.recommendation == wording.NOT_ENOUGH_EVIDENCE
    assert wording.CAVEAT_NO_COMPARISON in impact.verdict.caveat
    assert provision.name == impact.provision.name


def test_other_provisions_on_the_measure_are_in_the_model_not_the_comparison(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    # Another provision on the same test: its pupils are neither comparison nor ignored.
    other = reading_group(
        term, name="Maths boost", measure=provision.measure, results=[(90, 99), (92, 97)] * 3
    )

    impacts = provision_impacts(term.school, academic_year=term.academic_year)

    assert [item.provision for item in impacts] == [other, provision]
    assert [item.adjusted.n_comparison for item in impacts] == [5, 5]
    assert len(impacts[1].spells) == 6 + 5 + 5


def test_a_pupil_who_left_stays_in_through_their_next_result(term):
    provision = reading_group(term, results=[*[(80, 86)] * 6])
    cohort_results(term, provision.measure, COMPARISON)
    leaver = provision.runs.first().placements.first()
    # Left early with no exit result; sat the cohort's test with everyone else.
    leaver.exit.delete()
    result_record(pupil=leaver.pupil, measure=provision.measure, date=EXIT, value=79)

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    assert impact.raw.n == 5  # their own gain is not known
    assert impact.adjusted.n_participants == 6  # but they are in the model
    assert (impact.expected, impact.missing) == (6, 0)


def test_pupils_with_no_result_after_the_group_count_as_attrition(term):
    provision = reading_group(term, results=[*[(80, 86)] * 8])
    cohort_results(term, provision.measure, COMPARISON)
    for placement in provision.runs.first().placements.all()[:2]:
        placement.exit.delete()

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    assert (impact.expected, impact.missing) == (8, 2)
    assert impact.attrition == 0.25


def test_provision_without_a_measure_says_so(term):
    school = term.school
    provision = ProvisionFactory(school=school, name="Lunch club", measure=None)
    run = run_create(provision=provision, academic_year=term.academic_year, term=term)
    PlacementFactory(run=run)

    (impact,) = provision_impacts(school, academic_year=term.academic_year)

    assert impact.raw.n == 0
    assert impact.raw.reason == wording.REASON_NO_MEASURE
    assert impact.adjusted.reason == wording.REASON_NO_MEASURE
    assert impact.verdict.recommendation == "not enough evidence"
    assert impact.verdict.caveat == wording.REASON_NO_MEASURE
    assert impact.verdict.headline == wording.HEADLINE_CANNOT_TELL


def test_lower_is_better_measure_counts_falls_as_gains(term):
    sdq = MeasureFactory(
        school=term.school,
        name="SDQ total",
        scale="rating",
        higher_is_better=False,
        min_value=Decimal("0"),
        max_value=Decimal("40"),
    )
    # SDQ 24 -> 18 and so on: every pupil's difficulties fell by 4 to 6 points.
    reading_group(
        term,
        name="Nurture",
        measure=sdq,
        results=[(24, 18), (20, 16), (30, 25), (22, 17), (26, 20)],
    )

    (impact,) = provision_impacts(term.school, academic_year=term.academic_year)

    assert impact.raw.mean_gain == pytest.approx(5.2)  # (6 + 4 + 5 + 5 + 6) / 5
    assert impact.raw.effect.value > 0
    # No comparison pupils: the model's SD is everyone's entry results on the measure.
    assert impact.raw.effect.sd_basis == "measure"


def test_another_schools_data_stays_out(term):
    reading_group(term)
    other_term = TermFactory()
    reading_group(other_term, name="Other school's group")

    impacts = provision_impacts(term.school, academic_year=term.academic_year)

    assert [impact.provision.name for impact in impacts] == ["Reading boost"]


def count_queries(school, year):
    with CaptureQueriesContext(connection) as queries:
        provision_impacts(school, academic_year=year)
    return len(queries)


def test_queries_do_not_grow_with_provisions_runs_or_pupils(term):
    first = reading_group(term, name="Group 1")
    cohort_results(term, first.measure, COMPARISON)
    one = count_queries(term.school, term.academic_year)

    for number in (2, 3):
        provision = reading_group(term, name=f"Group {number}")
        cohort_results(term, provision.measure, COMPARISON)
    three = count_queries(term.school, term.academic_year)

    assert one == three
    assert one <= 12
