"""Views given before a review: a parent's, written when they sign in, or the pupil's,
recorded by staff with the pupil. The next review reads those not yet read."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from provmap.outcomes.models import Contribution
from provmap.pupils.models import Pupil

TEXT_MAX_LENGTH = 4000
AUTHOR_NAME_MAX_LENGTH = Contribution._meta.get_field("author_name").max_length or 150


def author_name(user: AbstractBaseUser) -> str:
    """The name kept with a view: the person's full name, else their username."""
    full = getattr(user, "get_full_name", lambda: "")().strip()
    return (full or user.get_username())[:AUTHOR_NAME_MAX_LENGTH]


def contribution_add(*, pupil: Pupil, voice: str, text: str, by: AbstractBaseUser) -> Contribution:
    """Add a view for the pupil's next review, with who wrote it (their name kept should
    the account go)."""
    if voice not in Contribution.Voice.values:
        raise ValidationError({"voice": "Say whose view this is: a parent's or the pupil's."})
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write your views before sending them."})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": f"Your views can be at most {TEXT_MAX_LENGTH:,} characters long "
                f"(you wrote {len(text):,}). Please shorten them, or send them in two parts."
            }
        )
    return Contribution.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        voice=voice,
        text=text,
        author=by,
        author_name=author_name(by),
    )


def waiting_views(pupil: Pupil, *, voice: str, by: AbstractBaseUser) -> QuerySet[Contribution]:
    """The views someone gave that the next review has yet to read, oldest first."""
    return Contribution.objects.filter(
        pupil=pupil, voice=voice, author=by, review__isnull=True
    ).order_by("created_at", "pk")
