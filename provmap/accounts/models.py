"""Users and what they are to each school: roles held as data (Membership), checked in one place
(provmap.accounts.permissions)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from provmap.pupils.models import Pupil
from provmap.schools.models import School, StaffMember, Trust


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships, not from here."""


class Role(models.TextChoices):
    SENCO = "senco", "SENCO / inclusion lead"
    SEND_ADMIN = "send_admin", "SEND administrator"
    SENIOR_LEADER = "leader", "Senior leader"
    HEAD_OF_YEAR = "head_of_year", "Head of year"
    PUPIL_PREMIUM_LEAD = "pp_lead", "Pupil premium lead"
    TEACHER = "teacher", "Teacher"
    TA = "ta", "Teaching assistant"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    GOVERNOR = "governor", "Governor"
    PARENT = "parent", "Parent or carer"
    TRUST_LEADER = "trust_leader", "Trust leader"


class Membership(models.Model):
    """A role a user holds in one school, or (trust leaders) across one trust."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    # Heads of year: the NC years they look after, comma-separated ("9,10").
    year_groups = models.CharField(max_length=60, blank=True)
    # Teachers, TAs, mentors: who they are on the staff list, to find the runs they deliver.
    staff_member = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Parents and carers: their own children.
    children = models.ManyToManyField(Pupil, blank=True, related_name="+")
    trust_pupil_access = models.BooleanField(
        default=False, help_text="Trust leaders only: may see pupil-level data of the schools."
    )

    class Meta:
        constraints = [
            # A trust role is held over a trust; every other role in exactly one school.
            models.CheckConstraint(
                condition=(Q(role="trust_leader", trust__isnull=False, school__isnull=True))
                | (~Q(role="trust_leader") & Q(school__isnull=False, trust__isnull=True)),
                name="membership_scope_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} ({self.school or self.trust})"

    @property
    def year_group_list(self) -> list[str]:
        return [year.strip() for year in self.year_groups.split(",") if year.strip()]
