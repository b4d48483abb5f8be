"""The demo is repeatable: the same seed and day give identical data, another seed other
data; and it copes with any day of the year and with several schools."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from provmap.accounts.models import Membership, User
from provmap.demo.generator import build_demo
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.pupils.upn import is_valid_upn
from provmap.schools.models import AcademicYear, School, Trust
from tests.demo.conftest import TODAY, build_and_digest

pytestmark = pytest.mark.django_db

SMALL = 150


@pytest.fixture(scope="module")
def first_digest(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> str:
    with django_db_blocker.unblock():
        return build_and_digest(seed=7, today=TODAY, pupils_per_school=SMALL)


def test_same_seed_and_day_give_identical_data(first_digest: str) -> None:
    assert build_and_digest(seed=7, today=TODAY, pupils_per_school=SMALL) == first_digest


def test_another_seed_gives_other_data(first_digest: str) -> None:
    assert build_and_digest(seed=8, today=TODAY, pupils_per_school=SMALL) != first_digest


def test_another_day_gives_other_data(first_digest: str) -> None:
    later = dt.date(2026, 5, 12)
    assert build_and_digest(seed=7, today=later, pupils_per_school=SMALL) != first_digest


def test_in_august_the_coming_year_is_current_and_its_autumn_planned() -> None:
    with transaction.atomic():
        build_demo(seed=3, today=dt.date(2026, 8, 14), pupils_per_school=SMALL)
        years = list(AcademicYear.objects.order_by("start_date").values_list("name", flat=True))
        assert years == ["2025-26", "2026-27"]
        runs = ProvisionRun.objects.all()
        assert set(runs.filter(academic_year__name="2025-26").values_list("status", flat=True)) == {
            "closed"
        }
        coming = runs.filter(academic_year__name="2026-27")
        assert set(coming.values_list("status", flat=True)) == {"planned"}
        assert set(coming.values_list("term__number", flat=True)) == {1}
        # Pupils starting Year 7 in September are not on roll yet, so the register holds this
        # September's Years 7-11 only from their start; today's Year 7 joined in September.
        assert (
            not Pupil.objects.filter(on_roll_from__gt=dt.date(2026, 8, 14))
            .exclude(nc_year="7")
            .exists()
        )
        parent = Membership.objects.get(user__username="parent")
        assert parent.children.count() == 1
        transaction.set_rollback(True)


def test_first_week_of_term_has_no_running_groups_yet() -> None:
    with transaction.atomic():
        build_demo(seed=5, today=dt.date(2025, 9, 4), pupils_per_school=SMALL)
        current = ProvisionRun.objects.filter(term__start_date=dt.date(2025, 9, 3))
        assert current.exists()
        assert set(current.values_list("status", flat=True)) <= {"planned", "running"}
        assert not Placement.objects.filter(run__in=current, exit__isnull=False).exists()
        transaction.set_rollback(True)


def test_several_schools_in_one_trust() -> None:
    with transaction.atomic():
        summary = build_demo(seed=11, today=TODAY, schools=2, pupils_per_school=80)
        assert summary.schools == 2
        schools = School.objects.all()
        assert schools.count() == 2
        assert len(set(schools.values_list("urn", flat=True))) == 2
        assert {school.trust for school in schools} == {Trust.objects.get()}
        for school in schools:
            pupils = Pupil.objects.filter(school=school)
            assert 80 <= pupils.count() <= 100
            assert all(is_valid_upn(upn) for upn in pupils.values_list("upn", flat=True))
            assert ProvisionRun.objects.filter(school=school).exists()
        assert User.objects.count() == summary.users == 9
        transaction.set_rollback(True)
