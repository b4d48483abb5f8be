"""Helpers for the demo tests: one demo built per module and thrown away after it, and a
digest of everything the generator writes (to compare two builds)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker

from provmap.accounts.models import Membership
from provmap.demo.generator import DemoSummary, build_demo
from provmap.provision.models import GeneralResource, Placement, ProvisionRun, RunStaff
from provmap.pupils.models import Pupil, PupilNeed, Result, SENStatusPeriod
from provmap.schools.models import FundingBudget, StaffMember

# A Tuesday in the spring term: last year is closed, autumn closed, spring running.
TODAY = dt.date(2026, 2, 10)
SEED = 42


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[DemoSummary]:
    """A 400-pupil demo, built once for the module inside a transaction rolled back after it
    (each test runs in its own savepoint within it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(seed=SEED, today=TODAY, pupils_per_school=400)
        transaction.set_rollback(True)


def demo_digest() -> str:
    """A fingerprint of the demo data that does not depend on database ids."""
    queries = [
        Pupil.objects.order_by("school__urn", "upn").values_list(
            "school__urn",
            "upn",
            "mis_id",
            "legal_forename",
            "preferred_forename",
            "surname",
            "date_of_birth",
            "sex",
            "nc_year",
            "form",
            "sen_status",
            "ethnicity",
            "first_language",
            "pupil_premium",
            "fsm",
            "ever6_fsm",
            "eal",
            "looked_after",
            "young_carer",
            "more_able",
            "at_risk_of_exclusion",
            "on_roll_from",
            "on_roll_to",
        ),
        SENStatusPeriod.objects.order_by("pupil__upn", "start_date").values_list(
            "pupil__upn", "status", "start_date", "end_date"
        ),
        PupilNeed.objects.order_by("pupil__upn", "rank").values_list(
            "pupil__upn", "need_type", "rank"
        ),
        StaffMember.objects.order_by("school__urn", "name").values_list(
            "name", "role", "hourly_rate", "contracted_hours", "expertise"
        ),
        ProvisionRun.objects.order_by(
            "academic_year__name", "term__number", "provision__name", "label"
        ).values_list(
            "academic_year__name",
            "term__number",
            "provision__name",
            "label",
            "start_date",
            "end_date",
            "weeks",
            "day_time",
            "withdrawn_from",
            "status",
            "funding_stream__name",
            "lead_staff__name",
            "reviewing_staff__name",
        ),
        RunStaff.objects.order_by(
            "run__academic_year__name",
            "run__term__number",
            "run__provision__name",
            "run__label",
            "staff__name",
        ).values_list("run__provision__name", "run__label", "staff__name"),
        Placement.objects.order_by(
            "run__academic_year__name",
            "run__term__number",
            "run__provision__name",
            "run__label",
            "pupil__upn",
        ).values_list(
            "run__academic_year__name",
            "run__term__number",
            "run__provision__name",
            "run__label",
            "pupil__upn",
            "start_date",
            "end_date",
            "need_type",
            "priority",
            "status",
            "rating",
            "notes",
            "baseline__value",
            "midpoint__value",
            "exit__value",
        ),
        Result.objects.order_by(
            "pupil__upn", "measure__name", "date", "value", "source"
        ).values_list("pupil__upn", "measure__name", "date", "value", "source"),
        FundingBudget.objects.order_by("academic_year__name", "stream__name").values_list(
            "academic_year__name", "stream__name", "amount"
        ),
        GeneralResource.objects.order_by("academic_year__name", "name").values_list(
            "academic_year__name", "name", "staff__name", "hours_per_week", "fixed_cost"
        ),
        Membership.objects.order_by("user__username").values_list(
            "user__username",
            "user__first_name",
            "user__last_name",
            "role",
            "year_groups",
            "staff_member__name",
            "children__upn",
        ),
    ]
    digest = hashlib.sha256()
    for query in queries:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def build_and_digest(*, seed: int, today: dt.date, pupils_per_school: int) -> str:
    """Build a demo, fingerprint it and roll it back (the caller's test keeps a clean base)."""
    with transaction.atomic():
        build_demo(seed=seed, today=today, pupils_per_school=pupils_per_school)
        digest = demo_digest()
        transaction.set_rollback(True)
    return digest
