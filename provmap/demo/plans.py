"""The demo school's support plans: most pupils on SEN support or with an EHC plan have an
agreed plan (a profile in their words, varied by their primary need, with two or three
targets linked to runs they are in) and a past review, so that some reviews are overdue,
some due within four weeks and the rest later; a few have a new draft or only a draft, and
a few parents have given views not yet read at a review. Written through the outcomes
services, as a school would."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from provmap.outcomes import plans as plan_services
from provmap.outcomes.models import Contribution, Review, TargetProgress
from provmap.outcomes.reviews import ProgressEntry, review_kind_for, review_record
from provmap.outcomes.rhythm import add_months
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil, PupilNeed, SENStatus
from provmap.pupils.needs import Area, area_of
from provmap.schools.models import School

# (what I do well, what I find hard, what helps me), by broad area of need.
PROFILES: dict[str, list[tuple[str, str, str]]] = {
    Area.COGNITION: [
        (
            "I am good at building things and I like art.",
            "Reading long bits of text and remembering spellings.",
            "Coloured overlays, having words I need written down, and extra time.",
        ),
        (
            "I try hard and I am kind to my friends.",
            "Maths with lots of steps. I lose my place.",
            "Breaking work into small steps and checking in with me.",
        ),
    ],
    Area.COMMUNICATION: [
        (
            "I know a lot about trains and computers.",
            "Busy corridors, changes I do not know about, and group work.",
            "Knowing what is happening next, a quiet place at lunch, and clear instructions.",
        ),
        (
            "I am funny and I am good at football.",
            "Finding the right words, and understanding long instructions.",
            "Pictures with instructions, time to answer, and being asked one thing at a time.",
        ),
    ],
    Area.SEMH: [
        (
            "I am good at drama and I look after my little brother.",
            "Staying calm when things feel unfair, and starting work.",
            "A trusted adult to talk to, a time-out card, and a fresh start each lesson.",
        ),
        (
            "I like music and I am creative.",
            "Feeling worried before tests and in crowds.",
            "Knowing who to go to, a calm space, and warning before changes.",
        ),
    ],
    Area.SENSORY_PHYSICAL: [
        (
            "I am good at science and I ask good questions.",
            "Seeing the board from the back, and long handwriting tasks.",
            "Sitting near the front, enlarged print, and using a laptop.",
        ),
        (
            "I am a good friend and I never give up.",
            "Moving between lessons quickly and PE.",
            "Leaving lessons a few minutes early and adapted equipment.",
        ),
    ],
}
# Targets, by broad area: (target, how we will know, strategies).
TARGETS: dict[str, list[tuple[str, str, str]]] = {
    Area.COGNITION: [
        (
            "Read a short passage aloud with few errors",
            "Fewer than three errors in a 100-word passage, three times running.",
            "Daily paired reading; pre-teaching of key words.",
        ),
        (
            "Spell the 20 key words of each subject",
            "16 of 20 correct in a weekly check.",
            "Look, say, cover, write, check; word mats in lessons.",
        ),
        (
            "Solve two-step word problems on my own",
            "Four of five problems right without help.",
            "Bar models; a checklist of steps.",
        ),
    ],
    Area.COMMUNICATION: [
        (
            "Ask an adult for help when I am stuck",
            "Asks for help in at least three lessons a week, as logged by staff.",
            "Help card on the desk; praise for asking.",
        ),
        (
            "Take part in group work for ten minutes",
            "Stays with the group for ten minutes in four of five lessons.",
            "A role card in group tasks; a countdown timer.",
        ),
        (
            "Follow a two-part instruction first time",
            "Does both parts in eight of ten tries.",
            "Instructions given one at a time and written on the board.",
        ),
    ],
    Area.SEMH: [
        (
            "Use my time-out card instead of leaving the room",
            "No more than one walk-out a fortnight.",
            "Time-out card; a check-in with my key adult each morning.",
        ),
        (
            "Start work within five minutes of the task being set",
            "Starts within five minutes in four of five lessons.",
            "A first-step card; a seat near the door.",
        ),
        (
            "Name how I feel and one thing that helps",
            "Uses the feelings scale at each check-in for half a term.",
            "Weekly mentoring; the feelings scale.",
        ),
    ],
    Area.SENSORY_PHYSICAL: [
        (
            "Type a page of work at a steady pace",
            "25 words a minute by the review.",
            "Typing practice three times a week; a laptop in lessons.",
        ),
        (
            "Get to lessons on time using the lift pass",
            "On time to 95% of lessons.",
            "Lift pass; leaving lessons early.",
        ),
    ],
}
PARENT_VIEWS = (
    "He is much happier coming to school since the reading group started.",
    "She still finds homework hard; could the instructions be written down?",
    "We have noticed more confidence at home. Thank you.",
    "Mornings are still difficult. We would like to talk about the timetable.",
)
PUPIL_VIEWS = (
    "The group helps. I like that it is small.",
    "I want to do more of this next term.",
    "It is OK but I miss some of my lessons.",
)


def _area(need: str | None) -> str:
    area = area_of(need) if need else Area.COGNITION
    return area if area in PROFILES else Area.COGNITION


def create_plans(school: School, rng: random.Random, *, today: dt.date) -> int:
    """Support plans and reviews for the school's pupils on the SEN register; returns how
    many plans were written."""
    pupils = list(
        Pupil.objects.filter(
            school=school,
            sen_status__in=[SENStatus.SUPPORT, SENStatus.EHC_PLAN],
            on_roll_to__isnull=True,
        ).order_by("upn")
    )
    primary = dict(
        PupilNeed.objects.filter(school=school, rank=1, end_date__isnull=True).values_list(
            "pupil_id", "need_type"
        )
    )
    runs: dict[int, list[ProvisionRun]] = defaultdict(list)
    for placement in (
        Placement.objects.filter(school=school, pupil__in=pupils, run__start_date__lte=today)
        .select_related("run")
        .prefetch_related("run__provision__areas")
        .order_by("-run__start_date", "pk")
    ):
        runs[placement.pupil_id].append(placement.run)
    written = 0
    for pupil in pupils:
        roll = rng.random()
        if roll < 0.12:
            continue  # no plan yet
        area = _area(primary.get(pupil.pk))
        if roll < 0.18:
            _draft_only(pupil, area, rng, today)
        else:
            _agreed_with_review(pupil, area, rng, today, runs[pupil.pk])
        written += 1
    return written


def _profile(area: str, rng: random.Random) -> dict[str, str]:
    does_well, finds_hard, helps_me = rng.choice(PROFILES[area])
    return {"does_well": does_well, "finds_hard": finds_hard, "helps_me": helps_me}


def _draft_only(pupil: Pupil, area: str, rng: random.Random, today: dt.date) -> None:
    plan = plan_services.plan_start(pupil=pupil, by=None)
    plan_services.plan_update(plan=plan, version=plan.version, by=None, **_profile(area, rng))


def _earlier_version(pupil: Pupil, area: str, rng: random.Random, before: dt.date) -> None:
    """A first plan agreed about a year earlier, its one target met at a review: the plan
    the current one supersedes, kept as history."""
    agreed = before - dt.timedelta(days=rng.randint(300, 360))
    reviewed = before - dt.timedelta(days=rng.randint(5, 20))
    plan = plan_services.plan_start(pupil=pupil, by=None)
    plan = plan_services.plan_update(
        plan=plan, version=plan.version, by=None, **_profile(area, rng)
    )
    description, criteria, strategies = rng.choice(TARGETS[area])
    target = plan_services.target_add(
        plan=plan,
        by=None,
        description=description,
        criteria=criteria,
        strategies=strategies,
        need_area=area,
        start_date=agreed,
        review_date=reviewed,
    )
    plan_services.plan_agree(
        plan=plan, version=plan.version, agreed_on=agreed, agreed_with="Parent or carer", by=None
    )
    review_record(
        pupil=pupil,
        by=None,
        held_on=reviewed,
        kind=review_kind_for(pupil.sen_status),
        participants="SENCO, parent or carer, the pupil",
        pupil_view="I can do it on my own now.",
        parent_view="We are pleased with the progress.",
        next_steps="A new plan with new targets.",
        next_review_due=None,
        progress=[ProgressEntry(target, TargetProgress.Progress.MET, comment="Met in full.")],
    )


def _agreed_with_review(
    pupil: Pupil, area: str, rng: random.Random, today: dt.date, runs: list[ProvisionRun]
) -> None:
    ehc = pupil.sen_status == SENStatus.EHC_PLAN
    months = 12 if ehc else 4
    # When the next review falls: a fifth overdue, a quarter within four weeks, the rest later.
    bucket = rng.random()
    if bucket < 0.2:
        due = today - dt.timedelta(days=rng.randint(3, 40))
    elif bucket < 0.45:
        due = today + dt.timedelta(days=rng.randint(1, 27))
    else:
        due = today + dt.timedelta(days=rng.randint(30, 110))
    held = min(add_months(due, -months), today - dt.timedelta(days=rng.randint(7, 20)))
    agreed = held - dt.timedelta(days=rng.randint(80, 120))

    if rng.random() < 0.15:
        _earlier_version(pupil, area, rng, agreed)
    plan = plan_services.plan_start(pupil=pupil, by=None)
    plan = plan_services.plan_update(
        plan=plan,
        version=plan.version,
        by=None,
        needs=f"{pupil.get_sen_status_display()}: {Area(area).label.lower()}.",
        outcomes="To make good progress and take part fully in school life.",
        involved="SENCO\nForm tutor\nParent or carer",
        review_due=held,
        **_profile(area, rng),
    )
    choices = rng.sample(TARGETS[area], k=min(len(TARGETS[area]), rng.choice((2, 3))))
    # A target is served by a run of its area the pupil was in when the plan was agreed, else
    # by none (the plan's strategies are then ordinary teaching).
    serving = [
        run
        for run in runs
        if run.start_date <= agreed <= run.end_date
        and area in {entry.area for entry in run.provision.areas.all()}
    ]
    targets = []
    for index, (description, criteria, strategies) in enumerate(choices):
        run = serving[index % len(serving)] if serving and index < 2 else None
        targets.append(
            plan_services.target_add(
                plan=plan,
                by=None,
                description=description,
                criteria=criteria,
                strategies=strategies,
                need_area=area,
                run=run,
                start_date=agreed,
                review_date=held,
            )
        )
    plan_services.plan_agree(
        plan=plan,
        version=plan.version,
        agreed_on=agreed,
        agreed_with="Parent or carer, the pupil",
        by=None,
    )
    progress = [
        ProgressEntry(
            target,
            TargetProgress.Progress.MET
            if index == 0 and rng.random() < 0.5
            else rng.choice((TargetProgress.Progress.PARTLY, TargetProgress.Progress.NOT_YET)),
            comment="Good progress seen in lessons." if index == 0 else "",
        )
        for index, target in enumerate(targets)
    ]
    review_record(
        pupil=pupil,
        by=None,
        held_on=held,
        kind=Review.Kind.ANNUAL if ehc else Review.Kind.SEN_SUPPORT,
        participants="SENCO, parent or carer, the pupil",
        pupil_view=rng.choice(PUPIL_VIEWS),
        parent_view=rng.choice(PARENT_VIEWS),
        next_steps="Carry on with the current provision; check progress at the next review.",
        next_review_due=due,
        progress=progress,
    )
    if rng.random() < 0.12:
        # A parent's view given since the review (the demo has no parent account for every
        # family, so the row is written as a signed-in parent's would be).
        Contribution.objects.create(
            school_id=pupil.school_id,
            pupil=pupil,
            voice=Contribution.Voice.PARENT,
            text=rng.choice(PARENT_VIEWS),
            author_name="Parent or carer",
        )
    if rng.random() < 0.08:
        draft = plan_services.plan_start(pupil=pupil, by=None)
        plan_services.plan_update(
            plan=draft,
            version=draft.version,
            by=None,
            helps_me=f"{draft.helps_me} Being told about changes the day before.",
        )
