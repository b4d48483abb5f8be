"""What a school can mean: the school year, its terms, staff rates and hours, and budgets are
refused outside their bounds, with the bound in the message, by the services, the models'
own checks and the database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint, Q

from provmap.schools.bounds import refuse_rows_outside
from provmap.schools.models import AcademicYear, FundingBudget, RoleRate, StaffMember, Term
from provmap.schools.services import (
    academic_year_create,
    staff_member_create,
    term_create,
)
from tests.factories import (
    AcademicYearFactory,
    FundingStreamFactory,
    RoleRateFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def messages(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return error.value.messages


def make_year(**changes: object) -> AcademicYear:
    values: dict[str, object] = {
        "school": SchoolFactory(),
        "name": "2025-26",
        "start_date": dt.date(2025, 9, 1),
        "end_date": dt.date(2026, 7, 22),
    }
    values.update(changes)
    return academic_year_create(**values)


# --- The school year ----------------------------------------------------------------------


def test_a_school_year_has_between_1_and_52_teaching_weeks():
    with pytest.raises(ValidationError) as error:
        make_year(weeks=Decimal("999.9"))

    assert messages(error) == [
        "Teaching weeks in the school year must be between 1 and 52 (got 999.9)."
    ]
    assert AcademicYear.objects.count() == 0


def test_a_school_year_lasts_at_most_13_months():
    with pytest.raises(ValidationError) as error:
        make_year(end_date=dt.date(2027, 8, 31))

    assert messages(error) == [
        "A school year lasts at most 13 months: 01/09/2025 to 31/08/2027 is longer. "
        "Give the dates of one school year."
    ]


def test_a_school_year_cannot_hold_more_teaching_weeks_than_its_dates():
    with pytest.raises(ValidationError) as error:
        make_year(end_date=dt.date(2025, 12, 19), weeks=Decimal("38"))

    assert messages(error) == [
        "Teaching weeks in the school year must be between 1 and 16, the calendar weeks "
        "from 01/09/2025 to 19/12/2025 (got 38)."
    ]


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            dt.date(1900, 9, 1),
            dt.date(1901, 7, 22),
            "start_date",
            "The first day of the school year must be between 01/01/2000 and 31/12/2099 "
            "(got 01/09/1900).",
        ),
        (
            dt.date(9998, 9, 1),
            dt.date(9999, 7, 22),
            "start_date",
            "The first day of the school year must be between 01/01/2000 and 31/12/2099 "
            "(got 01/09/9998).",
        ),
    ],
)
def test_a_school_year_is_within_this_century(start, end, field, message):
    with pytest.raises(ValidationError) as error:
        make_year(start_date=start, end_date=end)

    assert message in error.value.message_dict[field]


def test_the_database_refuses_a_year_of_absurd_weeks_or_dates():
    year = AcademicYearFactory()
    for changes in (
        {"weeks": Decimal("53")},
        {"weeks": Decimal("0.5")},
        {"start_date": dt.date(1900, 1, 1)},
        {"end_date": dt.date(9999, 12, 31)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            AcademicYear.objects.filter(pk=year.pk).update(**changes)


# --- Terms ----------------------------------------------------------------------------------


def test_term_create_adds_a_term_inside_its_year():
    year = AcademicYearFactory()

    term = term_create(
        academic_year=year,
        number=1,
        name="Autumn",
        start_date=dt.date(2025, 9, 3),
        end_date=dt.date(2025, 12, 19),
        weeks=Decimal("14"),
    )

    assert (term.school, term.academic_year) == (year.school, year)


def test_a_term_falls_inside_its_school_year():
    year = AcademicYearFactory()

    with pytest.raises(ValidationError) as error:
        term_create(
            academic_year=year,
            number=3,
            name="Summer",
            start_date=dt.date(2026, 4, 20),
            end_date=dt.date(2026, 9, 30),
            weeks=Decimal("12"),
        )

    assert error.value.message_dict["end_date"] == [
        "The term's last day must be between 01/09/2025 and 22/07/2026, the dates of "
        "2025-26 (got 30/09/2026)."
    ]
    assert Term.objects.count() == 0


def test_a_terms_number_and_weeks_are_bounded():
    year = AcademicYearFactory()

    with pytest.raises(ValidationError) as error:
        term_create(
            academic_year=year,
            number=40,
            name="Autumn",
            start_date=dt.date(2025, 9, 3),
            end_date=dt.date(2025, 12, 19),
            weeks=Decimal("100"),
        )

    assert error.value.message_dict == {
        "number": ["The term's number must be between 1 and 6 (got 40)."],
        "weeks": ["Teaching weeks in the term must be between 1 and 26 (got 100)."],
    }


def test_a_term_has_no_more_teaching_weeks_than_its_dates():
    year = AcademicYearFactory()

    with pytest.raises(ValidationError) as error:
        term_create(
            academic_year=year,
            number=1,
            name="Autumn",
            start_date=dt.date(2025, 9, 3),
            end_date=dt.date(2025, 10, 17),
            weeks=Decimal("14"),
        )

    assert error.value.message_dict["weeks"] == [
        "Teaching weeks in the term must be between 1 and 7, the calendar weeks from "
        "03/09/2025 to 17/10/2025 (got 14)."
    ]


def test_the_database_refuses_a_term_of_absurd_number_or_weeks():
    term = TermFactory()
    for changes in ({"number": 0}, {"number": 7}, {"weeks": Decimal("27")}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Term.objects.filter(pk=term.pk).update(**changes)


# --- Staff and money ------------------------------------------------------------------------


def test_a_staff_hourly_rate_is_at_most_500_pounds():
    with pytest.raises(ValidationError) as error:
        staff_member_create(
            school=SchoolFactory(), name="Jo Bloggs", role="ta", hourly_rate=Decimal("32000")
        )

    assert messages(error) == ["The hourly rate must be between £0 and £500 (got £32,000)."]
    assert StaffMember.objects.count() == 0


def test_contracted_hours_are_those_of_a_working_week():
    staff = StaffMemberFactory.build(school=SchoolFactory(), contracted_hours=Decimal("168"))

    with pytest.raises(ValidationError) as error:
        staff.full_clean()

    assert error.value.message_dict["contracted_hours"] == [
        "Contracted hours a week must be between 0.5 and 60 (got 168)."
    ]


def test_the_database_refuses_absurd_rates_hours_and_budgets():
    staff = StaffMemberFactory()
    rate = RoleRateFactory()
    stream = FundingStreamFactory()
    budget = FundingBudget.objects.create(
        school=stream.school,
        stream=stream,
        academic_year=AcademicYearFactory(school=stream.school),
        amount=Decimal("120000"),
    )
    for queryset, changes in (
        (StaffMember.objects.filter(pk=staff.pk), {"hourly_rate": Decimal("500.01")}),
        (StaffMember.objects.filter(pk=staff.pk), {"contracted_hours": Decimal("61")}),
        (StaffMember.objects.filter(pk=staff.pk), {"contracted_hours": Decimal("0")}),
        (RoleRate.objects.filter(pk=rate.pk), {"hourly_rate": Decimal("9999")}),
        (FundingBudget.objects.filter(pk=budget.pk), {"amount": Decimal("20000000.01")}),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**changes)


def test_a_budget_is_bounded_by_what_a_school_can_hold():
    stream = FundingStreamFactory()
    budget = FundingBudget(
        school=stream.school,
        stream=stream,
        academic_year=AcademicYearFactory(school=stream.school),
        amount=Decimal("74985000.75"),
    )

    with pytest.raises(ValidationError) as error:
        budget.full_clean()

    assert error.value.message_dict["amount"] == [
        "The budget must be between £0 and £20,000,000 (got £74,985,000.75)."
    ]


def test_the_bounds_migrations_name_the_rows_they_would_refuse():
    # Data entered before the bounds existed is named, table and constraint, rather than the
    # migration stopping at a bare integrity error.
    AcademicYearFactory(weeks=Decimal("38"))
    strict = CheckConstraint(condition=Q(weeks__lte=10), name="strict_weeks")
    loose = CheckConstraint(condition=Q(weeks__lte=52), name="loose_weeks")

    with pytest.raises(RuntimeError, match=r"1 in schools_academicyear \(strict_weeks\)"):
        refuse_rows_outside(django_apps, "schools", [("academicyear", strict)])
    refuse_rows_outside(django_apps, "schools", [("academicyear", loose)])
