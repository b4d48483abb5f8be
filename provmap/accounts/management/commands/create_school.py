"""Set up a school for whoever installs provmap: the school, its first SENCO's account and
role, and an email inviting the SENCO to set a password.

    manage.py create_school --urn 137001 --name "Oakfield Academy" --phase secondary \\
        --la 886 --estab 4001 --senco-email p.shah@oakfield.sch.uk --senco-name "Priya Shah"

Everything else (staff, terms, people) the SENCO then does in provmap's pages. Running it
again for the same URN changes nothing and says so.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from provmap.accounts.models import Role
from provmap.accounts.people import invite_person
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import School, Trust
from provmap.schools.services import school_create

# The option that gave each field a service may refuse.
OPTIONS = {
    "urn": "--urn",
    "name": "--name",
    "phase": "--phase",
    "la_code": "--la",
    "estab_code": "--estab",
    "email": "--senco-email",
    "first_name": "--senco-name",
    "last_name": "--senco-name",
}


class Command(AllSchoolsCommand):
    help = "Create a school with its first SENCO, who is emailed a link to set a password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--urn", required=True, help="The school's six-digit URN.")
        parser.add_argument("--name", required=True, help="The school's name.")
        parser.add_argument(
            "--phase",
            required=True,
            choices=School.Phase.values,
            help="The school's phase.",
        )
        parser.add_argument("--la", required=True, help="The three-digit LA number.")
        parser.add_argument("--estab", required=True, help="The four-digit establishment number.")
        parser.add_argument("--senco-email", required=True, help="The SENCO's email address.")
        parser.add_argument("--senco-name", default="", help="The SENCO's first and last name.")
        parser.add_argument("--trust", default="", help="The trust's name, if it has one.")

    def handle(self, *args: Any, **options: Any) -> None:
        urn = options["urn"].strip()
        existing = School.objects.filter(urn=urn).first()
        if existing is not None:
            raise CommandError(
                f"A school with URN {urn} already exists ({existing.name}): nothing was "
                "changed. Its SENCO invites everyone else from the People page."
            )
        first, _, last = options["senco_name"].strip().partition(" ")
        try:
            with transaction.atomic():
                trust = None
                if options["trust"].strip():
                    trust, _ = Trust.objects.get_or_create(name=options["trust"].strip())
                school = school_create(
                    urn=urn,
                    name=options["name"].strip(),
                    phase=options["phase"],
                    la_code=options["la"].strip(),
                    estab_code=options["estab"].strip(),
                    trust=trust,
                )
                invitation = invite_person(
                    email=options["senco_email"],
                    first_name=first,
                    last_name=last.strip(),
                    role=Role.SENCO,
                    school=school,
                    by=None,
                )
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            messages = [
                f"{OPTIONS.get(field, field)}: {message}" if field in OPTIONS else message
                for field, said in found.items()
                for message in said
            ]
            raise CommandError("Nothing was created. " + " ".join(messages)) from None

        user = invitation.membership.user
        self.stdout.write(
            f"Created {school.name} (URN {school.urn}, {school.la_code}/{school.estab_code})."
        )
        if trust is not None:
            self.stdout.write(f"In the trust {trust.name}.")
        account = "a new account" if invitation.new_account else "their existing account"
        self.stdout.write(f"SENCO: {user.email}, username {user.get_username()} ({account}).")
        if invitation.link:
            self.stdout.write(f"Invitation emailed to {user.email}. The link to set a password:")
            self.stdout.write(invitation.link)
        else:
            self.stdout.write("They already have a password: they sign in as before.")
