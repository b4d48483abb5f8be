"""Whether a year can rank a provision is told from its measures' models alone, the same as
from its full figures; a year the overview gives way to an earlier one for is not costed."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.insights.ranking import rankable
from provmap.insights.selectors import provision_impacts, year_figures
from provmap.insights.years import choose_year, impacts_for
from provmap.provision.models import Placement
from tests.factories import AcademicYearFactory, ProvisionRunFactory, TermFactory
from tests.insights.school_data import COMPARISON, ENTRY, cohort_results, reading_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def term():
    return TermFactory()


def _with_comparison(term):
    provision = reading_group(term)
    cohort_results(term, provision.measure, COMPARISON)
    return provision


def _without_comparison(term):
    return reading_group(term)


def _too_few_pupils(term):
    provision = reading_group(term, results=[(80, 85), (82, 84)])
    cohort_results(term, provision.measure, COMPARISON)
    return provision


def _one_of_two_ranked(term):
    reading_group(term, name="Maths boost")
    return _with_comparison(term)


@pytest.mark.parametrize(
    ("build", "ranked"),
    [
        (_with_comparison, True),
        (_without_comparison, False),
        (_too_few_pupils, False),
        (_one_of_two_ranked, True),
    ],
)
@pytest.mark.parametrize("alone", [False, True])
def test_ranks_any_is_whether_the_figures_rank_a_provision(term, build, ranked, alone):
    provision = build(term)
    only = {provision.pk} if alone else None
    school, year = term.school, term.academic_year

    figures = year_figures(school, academic_year=year, only=only)
    impacts = provision_impacts(school, academic_year=year, only=only)

    assert figures.ranks_any() == any(rankable(item) for item in impacts) == ranked


def test_the_year_given_way_is_read_but_not_costed(term):
    provision = _with_comparison(term)
    on = ENTRY + dt.timedelta(days=400)
    this_year = AcademicYearFactory(
        school=term.school,
        name="This year",
        start_date=on - dt.timedelta(days=30),
        end_date=on + dt.timedelta(days=200),
    )
    # A group of this year that has only just started: nothing to judge yet.
    run = ProvisionRunFactory(
        provision=provision,
        academic_year=this_year,
        start_date=on - dt.timedelta(days=20),
        end_date=on + dt.timedelta(days=40),
    )
    Placement.objects.create(
        school=term.school,
        run=run,
        pupil=Placement.objects.filter(run__academic_year=term.academic_year).first().pupil,
        start_date=run.start_date,
    )
    choice, asked = choose_year("", term.school, on=on)

    with CaptureQueriesContext(connection) as queries:
        impacts = impacts_for(term.school, choice, asked=asked, as_of=on)

    assert (choice.fallback_from, choice.year) == (this_year, term.academic_year)
    assert [item.provision for item in impacts] == [provision]
    # The runs' staff time is costed once: for the year shown, not the year given way.
    costed = [query for query in queries if '"provision_runstaff"' in query["sql"]]
    assert len(costed) == 1
