"""The first-run set-up checklist and the school's details."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.models import Membership
from provmap.formatting import counted
from provmap.provision.models import GeneralResource, Provision
from provmap.schools import services
from provmap.schools.forms import SchoolDetailsForm
from provmap.schools.models import (
    AcademicYear,
    FundingBudget,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
)
from provmap.schools.views.common import edit_row
from provmap.web.pages import render_school_page


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    found: str
    url: str
    hint: str


def setup_steps(school: School) -> list[Step]:
    """The steps of setting a school up, each with what is there so far. One count a step."""
    years = AcademicYear.objects.filter(school=school).count()
    terms = Term.objects.filter(school=school).count()
    rates = RoleRate.objects.filter(school=school).count()
    staff = StaffMember.objects.filter(school=school, active=True).count()
    streams = FundingStream.objects.filter(school=school).count()
    budgets = FundingBudget.objects.filter(school=school).count()
    resources = GeneralResource.objects.filter(school=school).count()
    provisions = Provision.objects.filter(school=school, active=True).count()
    details = bool(school.la_code and school.estab_code)
    steps = [
        Step(
            "School details",
            details,
            "LA and establishment numbers given"
            if details
            else "LA or establishment number missing",
            reverse("school_details", args=[school.urn]),
            "The school's name, phase and DfE number.",
        ),
        Step(
            "School years and terms",
            bool(years and terms),
            f"{counted(years, 'year')}, {counted(terms, 'term')}",
            reverse("setup_years", args=[school.urn]),
            "Each year's teaching weeks and terms: runs and costs are planned in them.",
        ),
        Step(
            "Rates by role",
            bool(rates),
            counted(rates, "rate"),
            reverse("role_rates", args=[school.urn]),
            "What an hour of each role costs, or the local authority's published rates.",
        ),
        Step(
            "Staff",
            bool(staff),
            counted(staff, "member of staff", "members of staff"),
            reverse("setup_staff", args=[school.urn]),
            "Who delivers provision, their hours and expertise.",
        ),
        Step(
            "Funding streams and budgets",
            bool(streams and budgets),
            f"{counted(streams, 'stream')}, {counted(budgets, 'budget')}",
            reverse("funding_streams", args=[school.urn]),
            "Where the money comes from, and each stream's budget for the year.",
        ),
        Step(
            "General resources",
            bool(resources),
            counted(resources, "resource"),
            reverse("general_resources", args=[school.urn]),
            "Management time, training and materials that belong to no pupil (optional).",
        ),
    ]
    people = Membership.objects.filter(school=school).count()
    steps.append(
        Step(
            "People",
            people > 1,
            f"{counted(people, 'person', 'people')} with a role in the school",
            reverse("people", args=[school.urn]),
            "Invite staff, governors and parents, each with what they may see.",
        )
    )
    steps.append(
        Step(
            "Provision catalogue",
            bool(provisions),
            counted(provisions, "provision"),
            reverse("catalogue", args=[school.urn]),
            "What the school can offer; start runs from here.",
        )
    )
    return steps


def school_setup(request: SchoolRequest, urn: str) -> HttpResponse:
    steps = setup_steps(request.access.school)
    return render_school_page(
        request,
        "schools/setup.html",
        "setup",
        steps=steps,
        done_count=sum(step.done for step in steps),
    )


def school_details(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    # The form saves a copy: the page's header keeps the saved name if a change is refused.
    saved, form = edit_row(
        request,
        school,
        SchoolDetailsForm,
        lambda fresh, **changes: services.school_update(school=fresh, **changes),
        said=lambda school: ("School details.", "The school's details are saved."),
    )
    if saved:
        return redirect("school_setup", urn=school.urn)
    return render_school_page(request, "schools/details.html", "setup", form=form)
