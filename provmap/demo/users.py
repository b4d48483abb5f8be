"""Demo sign-ins, one for each kind of user, all with the same password.

Each is tied to the data it should see: the teacher and the TA deliver runs this term, the
head of year looks after Year 9, the parent's child is in Year 8 and has provision now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from provmap.accounts.models import Membership, Role, User
from provmap.demo.mapping import BuiltRun
from provmap.demo.register import DemoPupil
from provmap.pupils.models import SENStatus
from provmap.schools.models import School, StaffMember, Trust
from provmap.schools.roles import StaffRole

DEFAULT_PASSWORD = "provmap-demo-2026"
EMAIL_DOMAIN = "demo.provmap.example"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    description: str


# What each demo sign-in is for (the sign-in page and the command's summary list them).
LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("senco", Role.SENCO, "SENCO: the whole map, editing"),
    DemoLogin("admin", Role.SEND_ADMIN, "SEND administrator: the whole map, editing"),
    DemoLogin("teacher", Role.TEACHER, "Teacher: the pupils of the groups they run"),
    DemoLogin("ta", Role.TA, "Teaching assistant: the pupils of the groups they run"),
    DemoLogin("hoy", Role.HEAD_OF_YEAR, "Head of Year 9"),
    DemoLogin("leader", Role.SENIOR_LEADER, "Senior leader: reads everything"),
    DemoLogin("governor", Role.GOVERNOR, "Governor: anonymised figures only"),
    DemoLogin("parent", Role.PARENT, "Parent: one Year 8 child's provision"),
    DemoLogin("trust", Role.TRUST_LEADER, "Trust SEND lead: figures across the trust"),
)


def _split(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first, last


def busiest(runs: list[BuiltRun], role: str) -> StaffMember | None:
    """The member of staff in `role` who leads or delivers most of these runs."""
    counts: Counter[int] = Counter()
    people: dict[int, StaffMember] = {}
    for built in runs:
        for member in built.staff:
            if member.role == role:
                counts[member.pk] += 1
                people[member.pk] = member
    if not counts:
        return None
    return people[min(counts, key=lambda pk: (-counts[pk], people[pk].name))]


def parent_child(runs: list[BuiltRun], start_year: int) -> DemoPupil | None:
    """A Year 8 pupil on SEN support with provision this term (first by UPN), for the parent."""
    candidates = {
        pupil.upn: pupil
        for built in runs
        for pupil in built.pupils
        if pupil.year_in(start_year) == 8 and pupil.record is not None
    }
    if not candidates:
        return None
    on_support = [upn for upn, pupil in candidates.items() if pupil.status == SENStatus.SUPPORT]
    return candidates[min(on_support or candidates)]


def create_users(
    *,
    school: School,
    trust: Trust,
    password: str,
    posts: dict[str, StaffMember],
    current_runs: list[BuiltRun],
    start_year: int,
) -> list[User]:
    """The demo users and their memberships (all in `school`, the trust lead over `trust`)."""
    teacher = busiest(current_runs, StaffRole.TEACHER)
    ta = busiest(current_runs, StaffRole.TA)
    child = parent_child(current_runs, start_year)
    names = {
        "senco": _split(posts["senco"].name),
        "admin": ("Karen", "Doyle"),
        "teacher": _split(teacher.name) if teacher else ("Hannah", "Price"),
        "ta": _split(ta.name) if ta else ("Joanne", "Lucas"),
        "hoy": _split(posts["head_of_year"].name),
        "leader": _split(posts["leader"].name),
        "governor": ("Malcolm", "Ferris"),
        "parent": ("Dawn", child.surname if child else "Fletcher"),
        "trust": ("Alison", "Grant"),
    }
    # One published password for every demo sign-in: hash it once (Argon2 is slow on
    # purpose; separate salts would protect nothing when the password is on the sign-in page).
    hashed = make_password(password)
    users = []
    for login in LOGINS:
        first, last = names[login.username]
        user = User.objects.create_user(
            username=login.username,
            email=f"{login.username}@{EMAIL_DOMAIN}",
            password=None,
            first_name=first,
            last_name=last,
            is_staff=False,
        )
        user.password = hashed
        user.is_demo = True  # may skip two-factor set-up where the installation allows it
        user.save(update_fields=["password", "is_demo"])
        if login.role == Role.TRUST_LEADER:
            Membership.objects.create(user=user, role=login.role, trust=trust)
        else:
            membership = Membership.objects.create(
                user=user,
                role=login.role,
                school=school,
                year_groups="9" if login.role == Role.HEAD_OF_YEAR else "",
                # The demo teacher also teaches a Year 8 form, seen beside their own runs.
                teaching_groups="8A" if login.role == Role.TEACHER else "",
                staff_member={
                    Role.SENCO: posts["senco"],
                    Role.TEACHER: teacher,
                    Role.TA: ta,
                    Role.HEAD_OF_YEAR: posts["head_of_year"],
                    Role.SENIOR_LEADER: posts["leader"],
                }.get(login.role),
            )
            if login.role == Role.PARENT and child is not None:
                assert child.record is not None  # the register was saved first
                membership.children.set([child.record])
        users.append(user)
    return users
