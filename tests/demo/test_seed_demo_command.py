"""manage.py seed_demo: builds the demo, and with --if-empty never builds it twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from provmap.accounts.models import User
from provmap.provision.models import Placement
from provmap.pupils.models import Pupil, Result
from provmap.schools.models import School

pytestmark = pytest.mark.django_db

ARGS = ("--seed", "3", "--today", "2026-02-10", "--pupils", "60")


def _counts() -> tuple[int, ...]:
    return (
        School.objects.count(),
        Pupil.objects.count(),
        Placement.objects.count(),
        Result.objects.count(),
        User.objects.count(),
    )


def test_seed_demo_builds_and_reports() -> None:
    out = StringIO()
    call_command("seed_demo", *ARGS, "--password", "another-secret-1", stdout=out)
    assert School.objects.count() == 1
    text = out.getvalue()
    assert "pupils: " in text and "placements: " in text and "Took " in text
    assert "senco" in text and "another-secret-1" not in text
    assert User.objects.get(username="senco").check_password("another-secret-1")


def test_if_empty_a_second_time_creates_nothing() -> None:
    call_command("seed_demo", *ARGS, "--if-empty", stdout=StringIO())
    before = _counts()
    assert before[0] == 1 and before[1] > 60
    out = StringIO()
    call_command("seed_demo", *ARGS, "--if-empty", stdout=out)
    assert _counts() == before
    assert "already" in out.getvalue()


def test_without_if_empty_a_second_build_is_refused() -> None:
    call_command("seed_demo", *ARGS, stdout=StringIO())
    before = _counts()
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_demo", *ARGS, stdout=StringIO())
    assert _counts() == before


@pytest.mark.parametrize(
    "args",
    [
        ("--pupils", "10"),
        ("--schools", "0"),
        ("--today", "10/02/2026"),
    ],
)
def test_seed_demo_rejects_bad_options(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", *args, stdout=StringIO())
    assert not School.objects.exists()
