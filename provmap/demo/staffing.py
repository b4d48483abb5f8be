"""The demo school's staff list and standard hourly rates.

About forty people: the SENCO and an assistant, teachers who run interventions, support
staff, mentors and the visiting specialists. Some cost the school nothing (NHS therapists, the
local authority's sensory service), some have a personal rate that overrides the role's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.demo.names import ADULT_NAMES
from provmap.schools.models import RoleRate, School, StaffMember
from provmap.schools.roles import StaffRole

R = StaffRole

# The school's standard hourly cost of each role (salary plus on-costs, per working hour).
ROLE_RATES: dict[str, str] = {
    R.TEACHER: "50.00",
    R.SENCO: "50.00",
    R.SUPPORT_TEACHER: "45.00",
    R.HLTA: "24.00",
    R.TA: "20.00",
    R.LSA: "20.00",
    R.LEARNING_MENTOR: "20.00",
    R.FAMILY_LIAISON: "22.00",
    R.SENIOR_LEADER: "65.00",
    R.COUNSELLOR: "40.00",
    R.SALT: "60.00",
    R.EP: "75.00",
}


@dataclass(frozen=True)
class StaffSpec:
    role: str
    expertise: str
    hours: str | None = "32.5"
    rate: str | None = None  # own rate; None means the role's rate
    external: bool = False
    post: str = ""  # what the generator calls them ("senco", "assistant_senco"...)


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(
        R.SENCO,
        "NASENCO award; access arrangements assessor; EHC annual reviews",
        rate="54.00",
        post="senco",
    ),
    StaffSpec(
        R.SENIOR_LEADER, "Deputy headteacher (inclusion); pupil premium strategy", post="leader"
    ),
    StaffSpec(
        R.SUPPORT_TEACHER,
        "Assistant SENCO; literacy interventions; CPT3A assessor",
        post="assistant_senco",
    ),
    StaffSpec(R.SUPPORT_TEACHER, "Specialist dyslexia teacher (level 7 SpLD)", hours="22.5"),
    StaffSpec(R.TEACHER, "English; reciprocal reading", post="demo_teacher"),
    StaffSpec(R.TEACHER, "English; debate and oracy"),
    StaffSpec(R.TEACHER, "English; early-career teacher", rate="42.00"),
    StaffSpec(R.TEACHER, "Maths; numeracy catch-up"),
    StaffSpec(R.TEACHER, "Maths; GCSE intervention lead", rate="58.00"),
    StaffSpec(R.TEACHER, "Maths; UKMT maths challenge"),
    StaffSpec(R.TEACHER, "Science"),
    StaffSpec(R.TEACHER, "History; head of Year 9", post="head_of_year"),
    StaffSpec(R.TEACHER, "Geography; part-time", hours="19.5"),
    StaffSpec(R.TEACHER, "Computing; touch typing"),
    StaffSpec(R.HLTA, "ELSA trained; emotional literacy", rate="25.50"),
    StaffSpec(R.HLTA, "Nurture group lead; Boxall profile"),
    StaffSpec(R.HLTA, "EAL; new arrivals induction"),
    StaffSpec(R.HLTA, "Maths; reading comprehension"),
    StaffSpec(R.TA, "Phonics; precision teaching", post="demo_ta"),
    StaffSpec(R.TA, "Precision teaching; paired reading"),
    StaffSpec(R.TA, "Lego-based therapy; social communication"),
    StaffSpec(R.TA, "Speech and language programmes (trained by the NHS therapist)"),
    StaffSpec(R.TA, "Zones of regulation; sensory circuits", hours="27.5"),
    StaffSpec(R.TA, "Touch typing; handwriting and fine motor", hours="27.5"),
    StaffSpec(R.TA, "Spelling and morphology; first aid", rate="21.50"),
    StaffSpec(R.TA, "Maths set support", hours="25"),
    StaffSpec(R.TA, "English set support", hours="25"),
    StaffSpec(R.LSA, "In-class support; Makaton", hours="30"),
    StaffSpec(R.LSA, "In-class support; autism (Level 3)", hours="30"),
    StaffSpec(R.LSA, "In-class support; manual handling and personal care", hours="30"),
    StaffSpec(R.LSA, "In-class support; visual impairment (braille)", hours="30", rate="21.00"),
    StaffSpec(R.LSA, "In-class support; hearing impairment (BSL level 2)", hours="30"),
    StaffSpec(R.LSA, "In-class support; lunchtime haven", hours="27.5"),
    StaffSpec(R.LEARNING_MENTOR, "Behaviour mentoring; restorative practice"),
    StaffSpec(R.LEARNING_MENTOR, "Anger management; Year 10 and 11 mentoring"),
    StaffSpec(R.LEARNING_MENTOR, "Academic mentoring; check-in check-out"),
    StaffSpec(R.FAMILY_LIAISON, "Attendance; young carers; early help"),
    StaffSpec(
        R.COUNSELLOR,
        "Counselling (BACP registered), bought in from a local service",
        hours="15",
        rate="42.00",
        external=True,
    ),
    StaffSpec(
        R.SALT,
        "NHS speech and language therapist (no cost to school)",
        hours=None,
        rate="0.00",
        external=True,
    ),
    StaffSpec(
        R.SALT, "Independent speech and language therapist (traded)", hours=None, external=True
    ),
    StaffSpec(
        R.EP, "Local authority educational psychologist (traded service)", hours=None, external=True
    ),
    StaffSpec(R.OT, "NHS occupational therapist (no cost to school)", hours=None, external=True),
    StaffSpec(
        R.EXTERNAL,
        "LA sensory support teacher, hearing and vision (no cost to school)",
        hours=None,
        external=True,
    ),
)


@dataclass
class StaffRoom:
    """The staff by role, with the minutes each is booked for in the term being planned."""

    members: list[StaffMember]
    posts: dict[str, StaffMember]
    load: dict[int, float] = field(default_factory=dict)

    def reset_load(self) -> None:
        self.load = {member.pk: 0.0 for member in self.members}

    def least_busy(self, roles: tuple[str, ...], count: int) -> list[StaffMember]:
        """`count` people in the given roles (first roles preferred), least booked first."""
        ranked = []
        for preference, role in enumerate(roles):
            for member in self.members:
                if member.role == role:
                    capacity = float(member.contracted_hours or 40) * 60
                    busy = self.load.get(member.pk, 0.0) / capacity
                    ranked.append((busy + 0.15 * preference, member.name, member))
        ranked.sort(key=lambda item: (item[0], item[1]))
        chosen: list[StaffMember] = []
        for _, _, member in ranked:
            if member not in chosen:
                chosen.append(member)
            if len(chosen) == count:
                break
        return chosen

    def book(self, member: StaffMember, weekly_minutes: float) -> None:
        self.load[member.pk] = self.load.get(member.pk, 0.0) + weekly_minutes


def _unique_names(rng: random.Random, count: int) -> list[str]:
    groups = [group for group in ADULT_NAMES for _ in range(group[2])]
    names: list[str] = []
    surnames: set[str] = set()
    while len(names) < count:
        first_names, family_names, _ = rng.choice(groups)
        surname = rng.choice(family_names)
        if surname not in surnames:  # no two staff share a surname: less confusing
            surnames.add(surname)
            names.append(f"{rng.choice(first_names)} {surname}")
    return names


def create_staff(school: School, rng: random.Random) -> StaffRoom:
    """The school's role rates and staff list."""
    RoleRate.objects.bulk_create(
        RoleRate(school=school, role=role, hourly_rate=Decimal(rate))
        for role, rate in ROLE_RATES.items()
    )
    names = _unique_names(rng, len(STAFF))
    members = StaffMember.objects.bulk_create(
        StaffMember(
            school=school,
            name=name,
            role=spec.role,
            hourly_rate=Decimal(spec.rate) if spec.rate is not None else None,
            contracted_hours=Decimal(spec.hours) if spec.hours is not None else None,
            expertise=spec.expertise,
            is_external=spec.external,
        )
        for spec, name in zip(STAFF, names, strict=True)
    )
    posts = {spec.post: member for spec, member in zip(STAFF, members, strict=True) if spec.post}
    room = StaffRoom(members=members, posts=posts)
    room.reset_load()
    return room
