"""A school with one pupil's support plans, targets and a review, for the documents' tests.

Sam Patel (Year 9, form 9A) has an agreed plan (version 2, an earlier one superseded), an
open target served by a reading group he is in, a target met and closed at his last review,
and a parent's view the next review has yet to read. Other Year 9 pupils are in a second
group; a Year 7 group runs too. The term runs around today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from provmap.accounts.models import Role, User
from provmap.outcomes.models import Contribution, Review, SupportPlan, Target, TargetProgress
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import School, StaffMember, Term
from provmap.schools.roles import StaffRole
from tests.factories import (
    AcademicYearFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    UserFactory,
)

HELPS_ME = "A quiet place to work and instructions written down."
ABOUT_ME = "Sam is kind and loves football."
OPEN_TARGET = "Read 20 more words a minute."
MET_TARGET = "Know the times tables to 5."
PROGRESS_COMMENT = "Good progress with phonics."
OTHER_NAME = "Zebedee"


@dataclass
class PlanWorld:
    school: School
    term: Term
    teacher: StaffMember
    sam: Pupil
    plan: SupportPlan
    old_plan: SupportPlan
    review: Review
    open_target: Target
    met_target: Target
    reading: ProvisionRun
    lego: ProvisionRun
    users: dict[str, User] = field(default_factory=dict)


def build_plan_world(*, classmates: int = 2, targets: int = 1) -> PlanWorld:
    today = timezone.localdate()
    school = SchoolFactory(name="Oakfield Academy")
    year = AcademicYearFactory(
        school=school,
        name="2026-27",
        start_date=today - dt.timedelta(days=90),
        end_date=today + dt.timedelta(days=240),
    )
    term = TermFactory(
        academic_year=year,
        name="Autumn",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=20),
    )
    teacher = StaffMemberFactory(school=school, role=StaffRole.TEACHER, name="Ms Lee")
    sam = PupilFactory(school=school, legal_forename="Sam", surname="Patel", nc_year="9", form="9A")

    def run(name: str, description: str, nc_year: str, pupils: list[Pupil]) -> ProvisionRun:
        provision = ProvisionFactory(school=school, name=name, description=description)
        made = ProvisionRunFactory(
            provision=provision,
            academic_year=year,
            term=term,
            start_date=term.start_date,
            end_date=term.end_date,
            sessions_per_week=Decimal(2),
            minutes_per_session=30,
            day_time="Tuesday period 3",
            lead_staff=teacher,
            status=ProvisionRun.Status.RUNNING,
        )
        for pupil in pupils:
            PlacementFactory(run=made, pupil=pupil)
        return made

    classmate = [
        PupilFactory(school=school, legal_forename=OTHER_NAME, nc_year="9", form="9B")
        for _ in range(classmates)
    ]
    reading = run("Reading group", "Phonics in a small group.", "9", [sam, classmate[0]])
    lego = run("Lego therapy", "Social skills through play.", "9", classmate)
    run("Year 7 nurture", "A calm start to the day.", "7", [PupilFactory(school=school)])

    old_plan = SupportPlan.objects.create(
        school=school,
        pupil=sam,
        number=1,
        status=SupportPlan.Status.SUPERSEDED,
        agreed_on=term.start_date,
        helps_me="An old version of what helps.",
    )
    plan = SupportPlan.objects.create(
        school=school,
        pupil=sam,
        number=2,
        status=SupportPlan.Status.AGREED,
        about_me=ABOUT_ME,
        does_well="Maths and drawing.",
        finds_hard="Reading aloud.",
        helps_me=HELPS_ME,
        needs="Reading difficulties.",
        outcomes="To read at his age.",
        pupil_view="I like the reading group.",
        parent_view="We read together at home.",
        involved="Ms Lee (teacher)\nMrs Patel (mother)",
        review_due=today + dt.timedelta(days=65),
        agreed_on=term.start_date + dt.timedelta(days=1),
        agreed_with="Mrs Patel (mother), Sam",
    )
    review = Review.objects.create(
        school=school,
        pupil=sam,
        plan=plan,
        held_on=today - dt.timedelta(days=10),
        participants="Ms Lee, Mrs Patel, Sam",
        next_steps="Keep the reading group going.",
        next_review_due=today + dt.timedelta(days=60),
        recorded_by_name="Ms Senco",
    )
    targets_made = [
        Target.objects.create(
            school=school,
            pupil=sam,
            plan=plan,
            description=OPEN_TARGET if index == 0 else f"Open target {index}",
            criteria="A reading test each half term.",
            strategies="Daily reading with an adult.",
            run=reading,
            start_date=term.start_date,
            review_date=term.end_date,
            position=index,
        )
        for index in range(targets)
    ]
    open_target = targets_made[0]
    met_target = Target.objects.create(
        school=school,
        pupil=sam,
        plan=plan,
        description=MET_TARGET,
        start_date=term.start_date,
        review_date=review.held_on,
        status=Target.Status.MET,
        closed_on=review.held_on,
        closed_by=review,
        position=targets + 1,
    )
    for target in targets_made:
        TargetProgress.objects.create(
            school=school,
            review=review,
            target=target,
            progress=TargetProgress.Progress.PARTLY,
            comment=PROGRESS_COMMENT,
        )
    TargetProgress.objects.create(
        school=school, review=review, target=met_target, progress=TargetProgress.Progress.MET
    )
    world = PlanWorld(
        school, term, teacher, sam, plan, old_plan, review, open_target, met_target, reading, lego
    )
    parent = _member(world, "parent", Role.PARENT)
    parent_membership = parent.memberships.get()
    parent_membership.children.add(sam)
    other = _member(world, "other_parent", Role.PARENT)
    other.memberships.get().children.add(classmate[0])
    _member(world, "senco", Role.SENCO)
    _member(world, "head_of_year", Role.HEAD_OF_YEAR, year_groups="9")
    form_tutor = StaffMemberFactory(school=school, role=StaffRole.TEACHER)
    _member(world, "form_teacher", Role.TEACHER, staff_member=form_tutor, teaching_groups="9A")
    other_teacher = StaffMemberFactory(school=school, role=StaffRole.TEACHER)
    _member(world, "other_teacher", Role.TEACHER, staff_member=other_teacher, teaching_groups="7B")
    _member(world, "governor", Role.GOVERNOR)
    Contribution.objects.create(
        school=school,
        pupil=sam,
        voice=Contribution.Voice.PARENT,
        text="Read at the last review.",
        author=parent,
        author_name="Mrs Patel",
        review=review,
    )
    return world


def _member(world: PlanWorld, name: str, role: str, **extra: object) -> User:
    user = world.users[name] = UserFactory(
        username=f"{name}-{world.school.urn}", first_name=name.title(), last_name="X"
    )
    MembershipFactory(user=user, school=world.school, role=role, **extra)
    return user
