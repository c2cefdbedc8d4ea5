"""Create accounts without the browser: `manage.py r2p_user create --username U --role ROLE ...`."""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from r2p import services
from r2p.errors import ApplicationValidationError
from r2p.models import Classification
from r2p.roles import ROLES


class Command(BaseCommand):
    help = "Manage r2p accounts. The password comes from R2P_PASSWORD or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account with one role")
        create.add_argument("--username", required=True)
        create.add_argument(
            "--role", required=True, help="one of: " + ", ".join(r.slug for r in ROLES)
        )
        create.add_argument(
            "--clearance",
            required=True,
            help="one of: " + ", ".join(c.name for c in Classification),
        )
        create.add_argument("--member-state", default="", help="ISO 3166-1 alpha-3, liaisons only")
        create.add_argument("--organisation", default="", help="partner systems: who operates it")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        create.add_argument("--email", default="")

    def handle(self, *args, **options) -> None:
        password = os.environ.get("R2P_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("set R2P_PASSWORD, or run in a terminal to be asked for it")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ")
        try:
            user = services.user_create(
                username=options["username"],
                password=password,
                role=options["role"],
                clearance=options["clearance"],
                member_state=options["member_state"],
                organisation=options["organisation"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                email=options["email"],
            )
        except ApplicationValidationError as exc:
            lines = [f"{field}: {msg}" for field, msgs in exc.fields.items() for msg in msgs]
            raise CommandError("the account was not created:\n  " + "\n  ".join(lines)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {user.username} ({user.role}, cleared {user.clearance_label})."
            )
        )
