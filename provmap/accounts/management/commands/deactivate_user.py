"""Stop a user signing in and end all their sessions: `manage.py deactivate_user USERNAME`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from provmap.accounts.models import User
from provmap.accounts.services import user_deactivate
from provmap.schools.commands import AllSchoolsCommand


class Command(AllSchoolsCommand):
    help = "Deactivate a user account and end every session it has."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        ended = user_deactivate(user=user)
        self.stdout.write(f"{username} can no longer sign in; {ended} session(s) ended.")
