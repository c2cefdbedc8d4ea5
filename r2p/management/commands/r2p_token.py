"""API tokens for partner systems: create (the key is printed once), list, revoke."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from knox.models import AuthToken

from r2p import services
from r2p.errors import ApplicationError
from r2p.models import User


class Command(BaseCommand):
    help = "Manage API tokens. Keys are stored hashed: a lost key is revoked and replaced."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token and print its key once")
        create.add_argument("--username", required=True)
        create.add_argument(
            "--expires-days", type=int, default=None, help="1 to 3650; default: the API default"
        )
        listing = sub.add_parser("list", help="list a user's tokens by their public prefix")
        listing.add_argument("--username", required=True)
        revoke = sub.add_parser("revoke", help="revoke a token by its public prefix")
        revoke.add_argument("prefix")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account is named {username!r}")
        return user

    def handle(self, *args, **options) -> None:
        action = options["action"]
        try:
            if action == "create":
                from django.conf import settings

                days = options["expires_days"]
                if days is None:
                    days = settings.REST_KNOX["TOKEN_TTL"].days
                token, key = services.token_create(
                    user=self._user(options["username"]), expires_days=days
                )
                self.stdout.write(key)
                self.stderr.write(
                    f"Token {token.token_key} for {token.user.username}, expires "
                    f"{token.expiry:%d %b %Y %H:%M} UTC. The key above is shown only this once."
                )
            elif action == "list":
                user = self._user(options["username"])
                now = timezone.now()
                for token in AuthToken.objects.filter(user=user).order_by("created"):
                    state = "expired" if token.expiry and token.expiry < now else "active"
                    expiry = f"{token.expiry:%d %b %Y %H:%M} UTC" if token.expiry else "never"
                    self.stdout.write(f"{token.token_key}  {state:8}  expires {expiry}")
            else:
                services.token_revoke(token_key=options["prefix"])
                self.stdout.write(f"Revoked {options['prefix']}.")
        except ApplicationError as exc:
            details = [f"{f}: {m}" for f, ms in exc.fields.items() for m in ms]
            raise CommandError("; ".join(details) or exc.message) from None
