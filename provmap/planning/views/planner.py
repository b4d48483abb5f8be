"""The planner's pages (the SENCO and the SEND administrator, Rule.SCHOOL_EDIT):

* `planner`: for the term being planned, make a plan within a share of the budget and see
  the term's plans;
* `plan_detail`: a plan's runs with who goes in each and why, its unmet needs with the
  reasons, its totals; take out a pupil or a group, copy it, accept it (POST, `action`);
* `plans_compare`: two plans side by side (cost, needs met by level, needs unmet in one but
  not the other).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.planning import planner
from provmap.planning.models import LEVEL_ORDER, Level, NeedKind, Plan, PlanPlace, PlanRun
from provmap.provision.models import RunSlot
from provmap.provision.selectors.budget import year_budget
from provmap.provision.selectors.terms import term_on
from provmap.pupils.models import Pupil
from provmap.schools.models import School, Term
from provmap.web.forms import add_service_errors
from provmap.web.pages import id_param, render_school_page, school_terms, today, wants_fragment

LEVELS = (Level.MUST, Level.SHOULD, Level.COULD)


def planning_term(request: SchoolRequest, terms: list[Term]) -> Term | None:
    """The term asked for in ?term=, else the one after the current one (None when the school
    has no next term)."""
    wanted = id_param(request, "term")
    if wanted is not None:
        term = next((term for term in terms if term.pk == wanted), None)
        if term is None:
            raise Http404("No such term.")
        return term
    current = term_on(terms, today())
    if current is None:
        return None
    later = [term for term in terms if term.start_date > current.start_date]
    return later[0] if later else None


class PlanForm(forms.Form):
    name = forms.CharField(
        label="Name of the plan",
        max_length=120,
        required=False,
        help_text="For example “Full budget” or “Budget cut by 10%”.",
    )
    share = forms.IntegerField(
        label="Share of the budget to plan within (%)",
        min_value=10,
        max_value=200,
        initial=100,
        help_text="100 plans within what is left of each funding stream's budget; "
        "90 as if the budget were cut by 10%.",
    )


def _plan_url(school: School, plan: Plan) -> str:
    return reverse("plan_detail", args=[school.urn, plan.pk])


def planner_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    term = planning_term(request, terms)
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and term is not None and form.is_valid():
        share = Decimal(form.cleaned_data["share"]) / 100
        try:
            plan = planner.plan_make(
                school=school,
                term=term,
                name=form.cleaned_data["name"] or "",
                share=share,
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                obj=plan,
                school=school,
                summary=f"Made the plan “{plan.name}” for {term.name}.",
            )
            messages.success(request, f"“{plan.name}” is ready to look over.")
            url = _plan_url(school, plan)
            if wants_fragment(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    plans = list(Plan.objects.filter(school=school, term=term)) if term is not None else []
    template = "planning/_planner_form.html" if wants_fragment(request) else "planning/planner.html"
    return render_school_page(
        request, template, "planning", terms=terms, term=term, form=form, plans=plans
    )


# --- One plan ---------------------------------------------------------------------------------


@dataclass
class RunRow:
    run: PlanRun
    places: list[PlanPlace]
    levels: Counter[str]

    @property
    def day(self) -> str:
        weekday = self.run.weekday
        return str(RunSlot.Weekday(weekday).label) if weekday else ""


@dataclass
class UnmetRow:
    pupil: Pupil | None
    kind: str
    level: str
    reason: str


@dataclass
class PlanView:
    plan: Plan
    rows: list[RunRow]
    unmet: list[UnmetRow]
    cost: Decimal
    met: dict[str, int]
    needs: dict[str, int]
    by_stream: list[tuple[str, Decimal, Decimal | None]] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)

    @property
    def levels(self) -> list[tuple[str, int, int]]:
        return [(str(level.label), self.met[level], self.needs[level]) for level in LEVELS]


def plan_view(school: School, plan: Plan, *, budgets: bool = True) -> PlanView:
    """A plan with its runs, places, unmet needs and totals, in a fixed number of queries."""
    runs = list(
        PlanRun.objects.filter(school=school, plan=plan)
        .select_related("provision", "kind", "staff", "funding_stream")
        .order_by("kind__position", "kind__name", "provision__name", "weekday", "start_time", "pk")
    )
    places = list(
        PlanPlace.objects.filter(school=school, plan_run__plan=plan)
        .select_related("pupil")
        .order_by("pupil__surname", "pupil__legal_forename", "pk")
    )
    in_run: dict[int, list[PlanPlace]] = defaultdict(list)
    for place in places:
        in_run[place.plan_run_id].append(place)
    kinds = {kind.pk: kind.name for kind in NeedKind.objects.filter(school=school)}
    unmet_ids = {int(item["pupil"]) for item in plan.unmet}
    others = {pupil.pk: pupil for pupil in Pupil.objects.filter(school=school, pk__in=unmet_ids)}
    rows = [
        RunRow(
            run=run,
            places=in_run[run.pk],
            levels=Counter(place.level for place in in_run[run.pk]),
        )
        for run in runs
    ]
    unmet = sorted(
        (
            UnmetRow(
                pupil=others.get(int(item["pupil"])),
                kind=kinds.get(int(item["kind"]), "A kind no longer audited")
                if item.get("kind") is not None
                else "",
                level=str(item["level"]),
                reason=str(item["reason"]),
            )
            for item in plan.unmet
        ),
        key=lambda row: (LEVEL_ORDER.get(Level(row.level), 9), row.kind, str(row.pupil)),
    )
    met = Counter(place.level for place in places)
    missing = Counter(row.level for row in unmet)
    view = PlanView(
        plan=plan,
        rows=rows,
        unmet=unmet,
        cost=sum((run.cost for run in runs), Decimal(0)),
        met={level: met[level] for level in LEVELS},
        needs={level: met[level] + missing[level] for level in LEVELS},
        pupils=[place.pupil for place in places] + list(others.values()),
    )
    if budgets:
        budget = year_budget(school, plan.term.academic_year, as_of=today())
        spend: dict[str, Decimal] = defaultdict(Decimal)
        for run in runs:
            spend[run.funding_stream.name if run.funding_stream else "No funding stream"] += (
                run.cost
            )
        left = {
            line.name: line.budget * plan.budget_share - line.planned
            for line in budget.lines
            if line.budget is not None
        }
        view.by_stream = [(name, amount, left.get(name)) for name, amount in spend.items()]
    return view


def _plan(school: School, proposal_id: int) -> Plan:
    plan = (
        Plan.objects.filter(school=school, pk=proposal_id)
        .select_related("term__academic_year", "created_by")
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


def _version(request: SchoolRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _act(request: SchoolRequest, school: School, plan: Plan) -> HttpResponse:
    action = request.POST.get("action", "")
    version = _version(request)
    try:
        if action == "accept":
            made = planner.plan_accept(plan=plan, by=request.user, read_version=version)
            pupils = planner.plan_pupils(plan)
            audit_record(
                request,
                AuditAction.CREATE,
                obj=plan,
                school=school,
                summary=f"Accepted the plan “{plan.name}”: {len(made)} planned runs.",
                pupils=pupils,
            )
            messages.success(
                request, f"“{plan.name}” is accepted: {len(made)} planned runs in {plan.term.name}."
            )
        elif action == "copy":
            copy = planner.plan_copy(plan=plan, name=f"Copy of {plan.name}"[:120], by=request.user)
            audit_record(
                request, AuditAction.CREATE, obj=copy, school=school, summary="Copied a plan."
            )
            messages.success(request, f"“{copy.name}” is a copy you can change.")
            return redirect(_plan_url(school, copy))
        elif action == "remove_place":
            place = (
                PlanPlace.objects.filter(
                    school=school, plan_run__plan=plan, pk=id_param_post(request, "place")
                )
                .select_related("plan_run", "pupil")
                .first()
            )
            if place is None:
                raise ValidationError("That pupil is no longer in this plan.")
            planner.plan_remove_place(plan=plan, place=place, read_version=version)
            audit_record(
                request,
                AuditAction.CHANGE,
                obj=plan,
                pupil=place.pupil,
                summary="Took a pupil out of a plan.",
            )
            messages.success(request, f"{place.pupil.full_name} is taken out of the plan.")
        elif action == "remove_run":
            plan_run = PlanRun.objects.filter(
                school=school, plan=plan, pk=id_param_post(request, "run")
            ).first()
            if plan_run is None:
                raise ValidationError("That group is no longer in this plan.")
            pupils = [place.pupil for place in plan_run.places.select_related("pupil")]
            planner.plan_remove_run(plan=plan, plan_run=plan_run, read_version=version)
            audit_record(
                request,
                AuditAction.CHANGE,
                obj=plan,
                school=school,
                summary="Took a group out of a plan.",
                pupils=pupils,
            )
            messages.success(request, "The group is taken out of the plan.")
        else:
            raise ValidationError("Nothing was asked of the plan.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_plan_url(school, plan))


def id_param_post(request: SchoolRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


def plan_detail_page(request: SchoolRequest, urn: str, proposal_id: int) -> HttpResponse:
    school = request.access.school
    plan = _plan(school, proposal_id)
    if request.method == "POST":
        return _act(request, school, plan)
    view = plan_view(school, plan)
    audit_record(
        request,
        AuditAction.VIEW,
        obj=plan,
        school=school,
        summary=f"Looked at the plan “{plan.name}”.",
        pupils=view.pupils,
    )
    return render_school_page(request, "planning/plan_detail.html", "planning", view=view)


# --- Two plans side by side -------------------------------------------------------------------


@dataclass
class Difference:
    pupil: Pupil | None
    kind: str
    level: str
    reason: str


def _unmet_keys(view: PlanView) -> dict[tuple[int | None, str, str], UnmetRow]:
    return {(row.pupil.pk if row.pupil else None, row.kind, row.level): row for row in view.unmet}


def plans_compare_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    first_id, second_id = id_param(request, "a"), id_param(request, "b")
    plans = {
        plan.pk: plan
        for plan in Plan.objects.filter(
            school=school, pk__in=[pk for pk in (first_id, second_id) if pk]
        ).select_related("term__academic_year")
    }
    choices = list(
        Plan.objects.filter(school=school).select_related("term").order_by("-created_at")[:50]
    )
    if first_id is None or second_id is None:
        return render_school_page(
            request, "planning/plans_compare.html", "planning", choices=choices, pair=None
        )
    if first_id not in plans or second_id not in plans:
        raise Http404("No such plan.")
    left = plan_view(school, plans[first_id], budgets=False)
    right = plan_view(school, plans[second_id], budgets=False)
    left_unmet, right_unmet = _unmet_keys(left), _unmet_keys(right)
    only_left = [left_unmet[key] for key in left_unmet if key not in right_unmet]
    only_right = [right_unmet[key] for key in right_unmet if key not in left_unmet]
    shown = {pupil.pk: pupil for pupil in [*left.pupils, *right.pupils]}
    audit_record(
        request,
        AuditAction.VIEW,
        school=school,
        summary="Compared two plans.",
        pupils=list(shown.values()),
    )
    return render_school_page(
        request,
        "planning/plans_compare.html",
        "planning",
        choices=choices,
        pair=(left, right),
        only_left=only_left,
        only_right=only_right,
        first_id=first_id,
        second_id=second_id,
    )


urlpatterns: list = [
    path("school/<str:urn>/planning/planner/", planner_page, name="planner"),
    path(
        "school/<str:urn>/planning/plans/<int:proposal_id>/",
        plan_detail_page,
        name="plan_detail",
    ),
    path("school/<str:urn>/planning/plans/compare/", plans_compare_page, name="plans_compare"),
]
