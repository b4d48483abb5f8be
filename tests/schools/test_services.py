"""The set-up services: each write checked, each refusal saying why, versions refusing the
second of two edits, deletes refused while something depends on the row."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision.models import GeneralResource
from provmap.schools import services
from provmap.schools.models import AcademicYear, FundingBudget, RoleRate, StaffMember, Term
from provmap.schools.roles import StaffRole
from tests.factories import (
    AcademicYearFactory,
    FundingStreamFactory,
    MembershipFactory,
    ProvisionRunFactory,
    RoleRateFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- The school's details ------------------------------------------------------------------


def test_school_details_change_and_refuse_a_bad_number():
    school = SchoolFactory(name="Old name")
    services.school_update(
        school=school, read_version=1, name=" Oakfield ", phase="primary", la_code="886"
    )
    school.refresh_from_db()
    assert (school.name, school.phase, school.version) == ("Oakfield", "primary", 2)
    with pytest.raises(ValidationError) as error:
        services.school_update(school=school, la_code="88")
    assert "An LA number is three digits" in messages(error)


def test_a_second_edit_of_the_same_version_is_refused():
    school = SchoolFactory()
    services.school_update(school=school, read_version=1, name="First")
    with pytest.raises(services.ChangedElsewhere) as error:
        services.school_update(school=school, read_version=1, name="Second")
    assert "Someone else changed the school's details" in messages(error)
    school.refresh_from_db()
    assert school.name == "First"


# --- Years and terms -----------------------------------------------------------------------


def test_standard_terms_share_the_years_weeks():
    terms = services.standard_terms(dt.date(2026, 9, 1), dt.date(2027, 8, 31), Decimal(38), 3)
    assert [term.name for term in terms] == ["Autumn", "Spring", "Summer"]
    assert sum(term.weeks for term in terms) == 38
    assert terms[0].start_date == dt.date(2026, 9, 1)
    assert terms[2].end_date == dt.date(2027, 7, 22)
    six = services.standard_terms(dt.date(2026, 9, 1), dt.date(2027, 8, 31), Decimal(39), 6)
    assert len(six) == 6 and sum(term.weeks for term in six) == 39
    assert all(a.end_date < b.start_date for a, b in itertools.pairwise(six))


def test_an_unusual_year_is_cut_into_equal_terms():
    terms = services.standard_terms(dt.date(2026, 1, 5), dt.date(2026, 12, 18), Decimal(38), 3)
    assert [term.name for term in terms] == ["Term 1", "Term 2", "Term 3"]
    assert terms[0].start_date == dt.date(2026, 1, 5) and terms[-1].end_date == dt.date(
        2026, 12, 18
    )
    assert sum(term.weeks for term in terms) == 38


def test_a_year_with_its_usual_terms_in_one_step():
    school = SchoolFactory()
    year = services.academic_year_create_with_terms(
        school=school,
        name="2026-27",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 8, 31),
        weeks=Decimal(39),
        terms=3,
    )
    terms = list(Term.objects.filter(academic_year=year).order_by("number"))
    assert [term.number for term in terms] == [1, 2, 3]
    assert sum(term.weeks for term in terms) == Decimal(39)


def test_a_year_that_cannot_hold_its_terms_saves_nothing():
    school = SchoolFactory()
    with pytest.raises(ValidationError) as error:
        services.academic_year_create_with_terms(
            school=school,
            name="2026-27",
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2027, 8, 31),
            weeks=Decimal(2),
            terms=6,
        )
    assert "The usual terms do not fit this year" in messages(error)
    assert not AcademicYear.objects.filter(school=school).exists()


def test_a_year_cannot_shrink_away_from_its_terms():
    term = TermFactory()
    year = term.academic_year
    with pytest.raises(ValidationError) as error:
        services.academic_year_update(year=year, start_date=dt.date(2025, 10, 1))
    assert "The terms Autumn would fall outside" in messages(error)


def test_a_year_in_use_is_not_deleted_and_says_what_uses_it():
    term = TermFactory()
    year = term.academic_year
    ProvisionRunFactory(school=year.school, academic_year=year, term=term)
    stream = FundingStreamFactory(school=year.school)
    FundingBudget.objects.create(
        school=year.school, stream=stream, academic_year=year, amount=Decimal(100)
    )
    with pytest.raises(ValidationError) as error:
        services.academic_year_delete(year=year, read_version=year.version)
    assert messages(error) == (
        "The year 2025-26 cannot be deleted: 1 run and 1 budget depend on it. "
        "Delete or move them first, or keep the year."
    )
    assert AcademicYear.objects.filter(pk=year.pk).exists()


def test_an_unused_year_goes_with_its_terms():
    term = TermFactory()
    year = term.academic_year
    services.academic_year_delete(year=year, read_version=year.version)
    assert not Term.objects.filter(pk=term.pk).exists()


def test_a_stale_delete_is_refused():
    year = AcademicYearFactory()
    services.academic_year_update(year=year, read_version=1, weeks=Decimal(39))
    with pytest.raises(services.ChangedElsewhere) as error:
        services.academic_year_delete(year=year, read_version=1)
    assert "so it was not deleted" in messages(error)


def test_a_term_with_runs_is_not_deleted():
    term = TermFactory()
    ProvisionRunFactory(school=term.school, academic_year=term.academic_year, term=term)
    with pytest.raises(ValidationError) as error:
        services.term_delete(term=term, read_version=term.version)
    assert "The term Autumn cannot be deleted: 1 run depends on it." in messages(error)


def test_a_term_keeps_inside_its_year_and_its_number_once():
    term = TermFactory()
    TermFactory(
        academic_year=term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=Decimal(12),
    )
    with pytest.raises(ValidationError) as error:
        services.term_update(term=term, number=2)
    assert "2025-26 already has a term 2." in messages(error)
    with pytest.raises(ValidationError) as error:
        services.term_update(term=Term.objects.get(pk=term.pk), end_date=dt.date(2026, 9, 1))
    assert "The term's last day must be between 01/09/2025 and 22/07/2026" in messages(error)


# --- Rates by role -------------------------------------------------------------------------


def test_a_rate_once_per_role():
    school = SchoolFactory()
    services.role_rate_create(school=school, role=StaffRole.TA, hourly_rate=Decimal("21.5"))
    with pytest.raises(ValidationError) as error:
        services.role_rate_create(school=school, role=StaffRole.TA, hourly_rate=Decimal(22))
    assert "already has a rate for Teaching assistant" in messages(error)
    with pytest.raises(ValidationError) as error:
        services.role_rate_create(school=school, role=StaffRole.LSA, hourly_rate=Decimal(900))
    assert "The hourly rate must be between £0 and £500 (got £900)." in messages(error)


def test_roles_are_named_by_name_code_or_key():
    assert services.role_named("TA") == StaffRole.TA
    assert services.role_named(" teaching  Assistant ") == StaffRole.TA
    assert services.role_named("lsa") == StaffRole.LSA
    assert services.role_named("T") == StaffRole.TEACHER
    assert services.role_named("Caretaker") is None


def test_a_list_of_rates_is_previewed_then_applied_at_once():
    school = SchoolFactory()
    RoleRateFactory(school=school, role=StaffRole.TA, hourly_rate=Decimal(20))
    RoleRateFactory(school=school, role=StaffRole.TEACHER, hourly_rate=Decimal(40))
    text = "Role,Hourly rate\nTA,£21.50\nLearning support assistant,19\nT,40"
    plan = services.role_rates_plan(school=school, text=text)
    assert plan.ok
    assert [(row.role, row.change) for row in plan.rows] == [
        ("ta", "changed"),
        ("lsa", "new"),
        ("teacher", "unchanged"),
    ]
    services.role_rates_apply(school=school, text=text)
    rates = dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))
    assert rates == {"ta": Decimal("21.50"), "lsa": Decimal(19), "teacher": Decimal(40)}


def test_a_list_with_a_wrong_line_sets_nothing():
    school = SchoolFactory()
    text = "TA,21.50\nCaretaker,15\nLSA,abc\nTA,22\nHLTA,600"
    plan = services.role_rates_plan(school=school, text=text)
    assert plan.errors == [
        "Line 2: 'Caretaker' is not a staff role or a map code such as TA, LSA or T.",
        "Line 3: 'abc' is not an hourly rate such as 21.50.",
        "Line 4: Teaching assistant is on line 1 already.",
        "Line 5: The hourly rate must be between £0 and £500 (got £600).",
    ]
    with pytest.raises(ValidationError):
        services.role_rates_apply(school=school, text=text)
    assert not RoleRate.objects.filter(school=school).exists()
    assert services.role_rates_plan(school=school, text="  ").errors == [
        "The list is empty: give one role and its hourly rate a line."
    ]


# --- Staff ---------------------------------------------------------------------------------


def test_staff_are_added_and_marked_as_left():
    school = SchoolFactory()
    staff = services.staff_member_create(
        school=school,
        name=" Ann Lee ",
        role=StaffRole.HLTA,
        contracted_hours=Decimal("32.5"),
        expertise="ELSA",
    )
    assert (staff.name, staff.hourly_rate, staff.active) == ("Ann Lee", None, True)
    services.staff_member_update(staff=staff, read_version=1, active=False)
    assert StaffMember.objects.get(pk=staff.pk).active is False
    with pytest.raises(ValidationError) as error:
        services.staff_member_update(staff=staff, contracted_hours=Decimal(70))
    assert "Contracted hours a week must be between 0.5 and 60 (got 70)." in messages(error)


def test_staff_on_runs_or_with_an_account_are_not_deleted():
    line = RunStaffFactory()
    staff = line.staff
    with pytest.raises(ValidationError) as error:
        services.staff_member_delete(staff=staff, read_version=staff.version)
    assert f"{staff.name} cannot be deleted: 1 place on a run's staff depends on it." in (
        messages(error)
    )
    assert "mark them as left instead" in messages(error)
    linked = StaffMemberFactory(school=line.school)
    MembershipFactory(school=line.school, staff_member=linked, role="ta")
    with pytest.raises(ValidationError) as error:
        services.staff_member_delete(staff=linked)
    assert "1 sign-in account depends on it" in messages(error)
    unused = StaffMemberFactory(school=line.school)
    services.staff_member_delete(staff=unused, read_version=1)
    assert not StaffMember.objects.filter(pk=unused.pk).exists()


# --- Funding streams and budgets -----------------------------------------------------------


def test_a_budget_is_set_then_changed():
    year = AcademicYearFactory()
    stream = FundingStreamFactory(school=year.school)
    budget = services.funding_budget_set(stream=stream, academic_year=year, amount=Decimal(1000))
    again = services.funding_budget_set(
        stream=stream, academic_year=year, amount=Decimal(1500), read_version=budget.version
    )
    assert again.pk == budget.pk and again.amount == Decimal(1500) and again.version == 2
    with pytest.raises(services.ChangedElsewhere):
        services.funding_budget_set(
            stream=stream, academic_year=year, amount=Decimal(9), read_version=1
        )
    with pytest.raises(ValidationError) as error:
        services.funding_budget_set(stream=stream, academic_year=year, amount=Decimal(-1))
    assert "The budget must be between £0 and £20,000,000" in messages(error)
    # Read as "no budget" (version 0) while someone else set one: refused, nothing replaced.
    with pytest.raises(services.ChangedElsewhere, match="Someone else set the budget of"):
        services.funding_budget_set(
            stream=stream, academic_year=year, amount=Decimal(9), read_version=0
        )
    # Read at version 2 while someone else removed it: refused, not set again.
    services.funding_budget_delete(budget=again, read_version=2)
    with pytest.raises(services.ChangedElsewhere, match="was removed by someone else"):
        services.funding_budget_set(
            stream=stream, academic_year=year, amount=Decimal(9), read_version=2
        )
    assert not FundingBudget.objects.filter(stream=stream).exists()


def test_a_stream_paying_for_runs_is_not_deleted_but_its_budgets_go_with_it():
    year = AcademicYearFactory()
    stream = FundingStreamFactory(school=year.school, name="Pupil premium")
    services.funding_budget_set(stream=stream, academic_year=year, amount=Decimal(1000))
    run = ProvisionRunFactory(school=year.school, academic_year=year, funding_stream=stream)
    GeneralResource.objects.create(
        school=year.school,
        academic_year=year,
        name="Training",
        kind="training",
        fixed_cost=Decimal(10),
        funding_stream=stream,
    )
    with pytest.raises(ValidationError) as error:
        services.funding_stream_delete(stream=stream, read_version=stream.version)
    assert messages(error) == (
        "The funding stream 'Pupil premium' cannot be deleted: 1 run and 1 general resource "
        "depend on it. Pay them from another stream first."
    )
    run.delete()
    GeneralResource.objects.all().delete()
    services.funding_stream_delete(stream=stream, read_version=stream.version)
    assert not FundingBudget.objects.filter(school=year.school).exists()


def test_stream_names_are_unique():
    school = SchoolFactory()
    FundingStreamFactory(school=school, name="Pupil premium")
    other = FundingStreamFactory(school=school, name="Catch-up")
    with pytest.raises(ValidationError) as error:
        services.funding_stream_update(stream=other, name="Pupil premium")
    assert "already has a funding stream 'Pupil premium'" in messages(error)
