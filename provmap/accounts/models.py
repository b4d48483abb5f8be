"""Users and what they are to each school: roles held as data (Membership), checked in one place
(provmap.accounts.permissions); and the audit trail of who saw or changed what (AuditEvent)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from provmap.pupils.models import Pupil
from provmap.schools.models import School, StaffMember, Trust


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships, not from here."""

    # Set by the demo generator only: such accounts may skip two-factor set-up when the
    # installation allows it (settings.PROVMAP_DEMO_SKIP_MFA, never on in production).
    is_demo = models.BooleanField(default=False, editable=False)


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
    # Teachers, TAs, mentors: the forms or teaching groups they teach, comma-separated
    # ("7A,8B"), matched against pupils' form, so they see the pupils they teach too.
    teaching_groups = models.CharField(max_length=200, blank=True)
    # Parents and carers: their own children.
    children = models.ManyToManyField(Pupil, blank=True, related_name="+")
    trust_pupil_access = models.BooleanField(
        default=False, help_text="Trust leaders only: may see pupil-level data of the schools."
    )
    # May see costs (run costs, pupils' shares, totals, budgets): None follows the role
    # (provmap.accounts.permissions); a school may grant it to a head of year or withhold it
    # from a leader. Never given to teachers, TAs, mentors or parents, whatever is set here.
    finance = models.BooleanField(
        null=True,
        blank=True,
        help_text="May see costs: empty follows the role's default.",
    )
    # Who invited the person to this role and when (None for roles made before invitations
    # or by the installer's command); the people page shows an invitation as pending until
    # the person has set a password.
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    # Moved on by every edit: two SENCOs editing the same role at once (the second is refused).
    version = models.PositiveIntegerField(default=0)

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
        return _comma_list(self.year_groups)

    @property
    def teaching_group_list(self) -> list[str]:
        return _comma_list(self.teaching_groups)


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


# --- The audit trail ----------------------------------------------------------------------


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    MFA_FAILED = "mfa_failed", "Wrong sign-in code"
    LOGIN_THROTTLED = "login_throttled", "Sign-in refused: too many attempts"
    LOGOUT = "logout", "Signed out"
    ARCHIVE = "archive", "Archived"
    ERASE = "erase", "Erased a pupil's data"
    SAR_EXPORT = "sar_export", "Subject access export"


# Events about signing in and out, recorded in the trail of each school where the account
# holds a role (provmap.accounts.audit.audit_sign_in) and filtered together on the SENCO's page.
SIGN_IN_ACTIONS = (
    AuditAction.LOGIN,
    AuditAction.LOGIN_FAILED,
    AuditAction.MFA_FAILED,
    AuditAction.LOGIN_THROTTLED,
    AuditAction.LOGOUT,
)


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet):
    """Events can be added and read, never changed or deleted in bulk either."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")


class AppendOnly(models.Model):
    """The trail's tables: rows are added and read, never changed or deleted (one at a time
    or in bulk); erasure alone rewrites what an event says (`AuditEvent.redact`)."""

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(AppendOnly):
    """Who viewed, changed or exported what, when and from where. Append-only.

    `pupil_ref` is a keyed hash of the pupil's school and UPN (provmap.accounts.audit), not the
    UPN itself: it stays after a pupil's record is erased, so the trail still shows that
    the same (unnamed) child's record was read, and a school holding the UPN can find the
    events again, while the trail itself holds no identifier in clear.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written at the time: the account may be renamed or removed later.
    username = models.CharField(max_length=150, blank=True)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pupil_ref = models.CharField("pupil reference", max_length=24, blank=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["school", "-at"], name="audit_school_at"),
            models.Index(fields=["school", "pupil", "-at"], name="audit_school_pupil_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}"

    @property
    def username_shown(self) -> str:
        """Who acted or, for a sign-in attempt that did not get in, the username tried."""
        return self.username or str(self.details.get("username", ""))

    @classmethod
    def redact(cls, pk: int, *, summary: str, details: dict[str, Any], path: str) -> None:
        """Erasure alone may rewrite what an event says: its summary, details and address,
        with a pupil's name, UPN or date of birth taken out (who, what, when and the
        pupil's reference stay). The erasure's own event records that it happened."""
        cls._base_manager.filter(pk=pk).update(summary=summary, details=details, path=path)


class AuditEventPupil(AppendOnly):
    """A pupil that a list page or an export recorded in `event` showed: one row per pupil,
    written in one INSERT with the event (provmap.accounts.audit). Append-only, like the
    events. `pupil_ref` (the keyed reference) is what stays when the record is erased."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="listed")
    pupil_ref = models.CharField("pupil reference", max_length=24, db_index=True)
    pupil = models.ForeignKey(
        Pupil, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "pupil shown in an audit event"
        verbose_name_plural = "pupils shown in audit events"

    def __str__(self) -> str:
        return f"{self.event_id}: {self.pupil_ref}"
