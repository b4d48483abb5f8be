"""A small world of three schools and one user for every role, for access tests.

- Trust One runs Oakfield (the users' own school) and Beech Hill (a sister school).
- Trust Two runs Cedar Park (a school of another trust).
- Every school has a term, a catalogue entry, a run led by a teacher and delivered by a TA
  and a learning mentor, pupils in it, a measure and a result.
- In Oakfield: `pupil` (Year 9, in the run), `child` (Year 9, in the run, the parent's
  child) and `other_child` (Year 7, in no run, the child of another family).
- One user per role, all in Oakfield but the trust leaders (over Trust One), each with
  two-factor sign-in set up like real staff.

`World.url_kwargs` builds any URL's keyword arguments for a target (own school, sister school,
another trust, own child, another child), so a test can open every page of the URLconf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from provmap.accounts.models import Membership, Role, User
from provmap.interchange.models import ExportJob, ImportJob, ImportKind
from provmap.outcomes.models import Review, SupportPlan, Target
from provmap.planning.models import Plan
from provmap.provision.models import (
    GeneralResource,
    Placement,
    Provision,
    ProvisionRun,
    RunSession,
)
from provmap.pupils.models import Measure, Pupil, Result
from provmap.schools.models import (
    FundingBudget,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
    Trust,
)
from provmap.schools.roles import StaffRole
from tests.factories import (
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    TrustFactory,
    UserFactory,
)

ANONYMOUS = "anonymous"
# Every role of the access matrix: the membership roles, a trust leader granted pupil access,
# and nobody signed in.
ROLES = (
    Role.SENCO.value,
    Role.SEND_ADMIN.value,
    Role.SENIOR_LEADER.value,
    Role.HEAD_OF_YEAR.value,
    Role.PUPIL_PREMIUM_LEAD.value,
    Role.TEACHER.value,
    Role.TA.value,
    Role.LEARNING_MENTOR.value,
    Role.GOVERNOR.value,
    Role.PARENT.value,
    Role.TRUST_LEADER.value,
    "trust_leader_pupils",
    ANONYMOUS,
)

# Targets: whose data a URL names.
OWN_SCHOOL = "own school"
SISTER_SCHOOL = "another school, same trust"
OTHER_TRUST = "a school of another trust"
OWN_CHILD = "own child"
ANOTHER_CHILD = "another child"
SCHOOL_TARGETS = (OWN_SCHOOL, SISTER_SCHOOL, OTHER_TRUST)
PUPIL_TARGETS = (*SCHOOL_TARGETS, OWN_CHILD, ANOTHER_CHILD)


@dataclass
class SchoolData:
    school: School
    term: Term
    provision: Provision
    run: ProvisionRun
    teacher: StaffMember
    ta: StaffMember
    mentor: StaffMember
    pupil: Pupil
    placement: Placement
    measure: Measure
    result: Result
    job: ImportJob
    # Set-up rows: a rate by role, a funding stream with its budget, a general resource.
    rate: RoleRate
    stream: FundingStream
    budget: FundingBudget
    resource: GeneralResource
    # A role someone holds in the school (the People page's rows).
    membership: Membership | None = None
    # A session of the run, with its register.
    session: RunSession | None = None
    # A proposal of the planner for the term.
    proposal: Plan | None = None
    # A large export waiting to be written, asked for by nobody in the world (an export is
    # only its asker's: tests/interchange/test_export_jobs.py).
    export: ExportJob | None = None


@dataclass
class World:
    own: SchoolData
    sister: SchoolData
    other: SchoolData
    child: Pupil
    other_child: Pupil
    users: dict[str, User] = field(default_factory=dict)
    # Each pupil's support plan, a target in it and a review of it, by pupil id.
    plans: dict[int, tuple[SupportPlan, Target, Review]] = field(default_factory=dict)

    def target(self, name: str) -> tuple[SchoolData, Pupil]:
        """The school and the pupil a target names."""
        return {
            OWN_SCHOOL: (self.own, self.own.pupil),
            SISTER_SCHOOL: (self.sister, self.sister.pupil),
            OTHER_TRUST: (self.other, self.other.pupil),
            OWN_CHILD: (self.own, self.child),
            ANOTHER_CHILD: (self.own, self.other_child),
        }[name]

    def url_kwargs(self, names: list[str], target: str) -> dict[str, Any]:
        """Values for a URL's keyword arguments, taken from the target's school. A name not
        known here fails loudly: teach this method about it when a URL needs it."""
        data, pupil = self.target(target)
        placement = data.placement
        if pupil == self.child:
            placement = self.child_placement
        plan, target, review = self.plans[pupil.pk]
        values = {
            "urn": data.school.urn,
            "plan_id": plan.pk,
            "target_id": target.pk,
            "review_id": review.pk,
            "pupil_id": pupil.pk,
            "run_id": data.run.pk,
            "term_id": data.term.pk,
            "provision_id": data.provision.pk,
            "placement_id": placement.pk,
            "staff_id": data.teacher.pk,
            "measure_id": data.measure.pk,
            "result_id": data.result.pk,
            "year_id": data.term.academic_year_id,
            "job_id": data.job.pk,
            "export_id": data.export.pk if data.export else 0,
            "rate_id": data.rate.pk,
            "stream_id": data.stream.pk,
            "budget_id": data.budget.pk,
            "resource_id": data.resource.pk,
            "session_id": data.session.pk if data.session else 0,
            "membership_id": data.membership.pk if data.membership else 0,
            "proposal_id": data.proposal.pk if data.proposal else 0,
            "trust_id": data.school.trust_id,
            # Exports end in their format.
            "fmt": "xlsx",
            # allauth's emailed links: any well-formed but unknown key.
            "key": "unknown-key",
            "uidb36": "zz",
        }
        missing = [name for name in names if name not in values]
        if missing:
            raise LookupError(f"tests/accounts/world.py cannot build URL kwargs {missing}")
        return {name: values[name] for name in names}

    @property
    def child_placement(self) -> Placement:
        return self.child.placements.get()


def _school(trust: Trust, name: str) -> SchoolData:
    school = SchoolFactory(trust=trust, name=name)
    term = TermFactory(academic_year__school=school)
    teacher = StaffMemberFactory(school=school, role=StaffRole.TEACHER, hourly_rate=Decimal(38))
    ta = StaffMemberFactory(school=school, role=StaffRole.TA)
    mentor = StaffMemberFactory(school=school, role=StaffRole.LEARNING_MENTOR)
    provision = ProvisionFactory(school=school)
    run = ProvisionRunFactory(
        provision=provision,
        academic_year=term.academic_year,
        term=term,
        lead_staff=teacher,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=teacher)
    RunStaffFactory(run=run, staff=ta)
    RunStaffFactory(run=run, staff=mentor)
    pupil = PupilFactory(school=school, nc_year="9", surname=f"{name.split()[0]}pupil")
    placement = PlacementFactory(run=run, pupil=pupil)
    measure = MeasureFactory(school=school)
    result = Result.objects.create(
        school=school, pupil=pupil, measure=measure, date=term.start_date, value=Decimal(85)
    )
    job = ImportJob.objects.create(
        school=school,
        kind=ImportKind.PUPILS,
        status=ImportJob.Status.DONE,
        file_name="pupils.csv",
        summary={"counts": {"created": 1, "updated": 0, "unchanged": 0, "left": 0}},
    )
    rate = RoleRate.objects.create(school=school, role=StaffRole.TA, hourly_rate=Decimal(20))
    stream = FundingStream.objects.create(school=school, name="Pupil premium", kind="pupil_premium")
    budget = FundingBudget.objects.create(
        school=school, stream=stream, academic_year=term.academic_year, amount=Decimal(5000)
    )
    resource = GeneralResource.objects.create(
        school=school,
        academic_year=term.academic_year,
        name="SENCO training",
        kind=GeneralResource.Kind.TRAINING,
        fixed_cost=Decimal(300),
    )
    session = RunSession.objects.create(
        school=school, run=run, date=run.start_date, minutes=run.minutes_per_session
    )
    data = SchoolData(
        school,
        term,
        provision,
        run,
        teacher,
        ta,
        mentor,
        pupil,
        placement,
        measure,
        result,
        job,
        rate,
        stream,
        budget,
        resource,
        session=session,
    )
    data.proposal = Plan.objects.create(school=school, term=term, name="Full budget")
    data.export = ExportJob.objects.create(
        school=school, fmt="xlsx", what="the map", file_stem="provision-map"
    )
    return data


def world_pupils(world: World) -> list[tuple[SchoolData, Pupil]]:
    """Every pupil of the world with their school's data."""
    return [
        (world.own, world.own.pupil),
        (world.sister, world.sister.pupil),
        (world.other, world.other.pupil),
        (world.own, world.child),
        (world.own, world.other_child),
    ]


def _plan(data: SchoolData, pupil: Pupil) -> tuple[SupportPlan, Target, Review]:
    """A pupil's agreed support plan with one target, and a review of it."""
    school, start = data.school, data.term.start_date
    plan = SupportPlan.objects.create(
        school=school,
        pupil=pupil,
        status=SupportPlan.Status.AGREED,
        agreed_on=start,
        does_well="Drawing",
        helps_me="Time to think before answering.",
    )
    target = Target.objects.create(
        school=school,
        pupil=pupil,
        plan=plan,
        description="Read a page aloud",
        start_date=start,
        review_date=data.term.end_date,
    )
    review = Review.objects.create(school=school, pupil=pupil, plan=plan, held_on=start)
    return plan, target, review


def _user(username: str) -> User:
    user = UserFactory(username=username)
    RecoveryCodes.activate(user)
    return user


def build_world() -> World:
    trust, elsewhere = TrustFactory(name="Trust One"), TrustFactory(name="Trust Two")
    own = _school(trust, "Oakfield Academy")
    sister = _school(trust, "Beech Hill School")
    other = _school(elsewhere, "Cedar Park School")
    child = PupilFactory(school=own.school, nc_year="9", surname="Ownchild")
    PlacementFactory(run=own.run, pupil=child)
    other_child = PupilFactory(school=own.school, nc_year="7", surname="Otherchild")
    world = World(own=own, sister=sister, other=other, child=child, other_child=other_child)

    school = own.school
    staff_of = {Role.TEACHER: own.teacher, Role.TA: own.ta, Role.LEARNING_MENTOR: own.mentor}
    for role in ROLES:
        if role == ANONYMOUS:
            continue
        user = world.users[role] = _user(role)
        if role in (Role.TRUST_LEADER, "trust_leader_pupils"):
            Membership.objects.create(
                user=user,
                role=Role.TRUST_LEADER,
                trust=trust,
                trust_pupil_access=role == "trust_leader_pupils",
            )
            continue
        membership = MembershipFactory(
            user=user,
            school=school,
            role=role,
            year_groups="9" if role == Role.HEAD_OF_YEAR else "",
            staff_member=staff_of.get(role),
        )
        if role == Role.PARENT:
            membership.children.add(child)
    # Another family, whose child the parent must never reach.
    other_parent = MembershipFactory(user=_user("other_parent"), school=school, role=Role.PARENT)
    other_parent.children.add(other_child)
    own.membership = Membership.objects.get(user=world.users[Role.TA])
    for data, pupil in world_pupils(world):
        world.plans[pupil.pk] = _plan(data, pupil)
    for data in (sister, other):
        data.membership = MembershipFactory(
            user=_user(f"teacher_{data.school.urn}"), school=data.school, role=Role.TEACHER
        )
    return world
