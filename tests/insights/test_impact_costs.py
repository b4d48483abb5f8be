"""One provision's impact costs only that provision's runs, to the same figures as the
impact of every provision."""

import datetime as dt

import pytest

from provmap.insights.selectors import provision_impacts
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    RunStaffFactory,
    SchoolFactory,
)

pytestmark = pytest.mark.django_db


def test_one_provision_is_costed_alone_and_the_same():
    school = SchoolFactory()
    measure = MeasureFactory(school=school)
    provisions = [ProvisionFactory(school=school, measure=measure) for _ in range(3)]
    year = None
    for number, provision in enumerate(provisions):
        run = ProvisionRunFactory(provision=provision, weeks=10 + number)
        year = run.academic_year
        RunStaffFactory(run=run)
        PlacementFactory(run=run)
        PlacementFactory(run=run)
    on = dt.date(2026, 1, 10)
    every = {
        item.provision.pk: item for item in provision_impacts(school, academic_year=year, as_of=on)
    }
    wanted = provisions[1]
    alone = provision_impacts(school, academic_year=year, as_of=on, only={wanted.pk})
    assert [item.provision for item in alone] == [wanted]
    assert alone[0].total_cost == every[wanted.pk].total_cost > 0
    assert alone[0].placed == every[wanted.pk].placed == 2
    assert [run.run.pk for run in alone[0].runs] == [run.run.pk for run in every[wanted.pk].runs]
