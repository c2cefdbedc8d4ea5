"""Demo accounts for every role, created on the first run only; passwords printed once."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from r2p import services
from r2p.models import User

DEMO_USERS = (
    # username, first, last, role, clearance, member state, organisation
    ("amina", "Amina", "Diallo", "analyst", "CONFIDENTIAL", "", ""),
    ("bruno", "Bruno", "Okafor", "senior-analyst", "STRICTLY_CONFIDENTIAL", "", ""),
    ("chen", "Chen", "Wei", "special-adviser", "STRICTLY_CONFIDENTIAL", "", ""),
    ("dara", "Dara", "Haddad", "sg-office", "STRICTLY_CONFIDENTIAL", "", ""),
    ("elena", "Elena", "Lindqvist", "liaison", "PUBLIC", "NOR", ""),
    ("relay", "Regional", "Relay", "partner", "PUBLIC", "", "Regional Early Warning Centre"),
    ("farid", "Farid", "Rahman", "auditor", "CONFIDENTIAL", "", ""),
    ("grace", "Grace", "Mensah", "administrator", "CONFIDENTIAL", "", ""),
)


class Command(BaseCommand):
    help = "Create the demo accounts if the database has no accounts yet."

    def handle(self, *args, **options) -> None:
        if User.objects.exists():
            self.stdout.write("Accounts exist already; no demo accounts created.")
            return
        rows = []
        for username, first, last, role, clearance, state, org in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = services.user_create(
                username=username,
                password=password,
                role=role,
                clearance=clearance,
                member_state=state,
                organisation=org,
                first_name=first,
                last_name=last,
            )
            rows.append((username, user.role, user.clearance_label, password))
        width = max(len(r[1]) for r in rows)
        self.stdout.write(
            self.style.WARNING("\nDemo accounts (passwords are shown this once; note them now):")
        )
        for username, role, clearance, password in rows:
            self.stdout.write(f"  {username:<8} {role:<{width}}  {clearance:<22} {password}")
        self.stdout.write(
            "A lost password is reset with: python manage.py changepassword USERNAME\n"
        )
        from cases.demo import demo_intake_load

        loaded = demo_intake_load(shared_data=settings.BASE_DIR.parent / "shared" / "data")
        if loaded:
            summary = ", ".join(
                f"{n} {what}" for what, n in loaded.items() if what != "acled_import_job"
            )
            self.stdout.write(f"Demo intake: {summary}.")
            if "acled_import_job" in loaded:
                self.stdout.write(
                    "The ACLED 2020 sample from ../shared/data is being imported by the worker "
                    f"(import job {loaded['acled_import_job']}; progress under Imports)."
                )
        from assessments.demo import load as demo_assessments_load

        assessed = demo_assessments_load()
        if assessed:
            summary = ", ".join(f"{n} {what}" for what, n in assessed.items())
            self.stdout.write(f"Demo assessments: {summary}.")
