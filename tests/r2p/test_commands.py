import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from knox.models import AuthToken

from r2p.models import AuditEvent, Classification, User

pytestmark = pytest.mark.django_db

GOOD = "a long enough passphrase"


def create(monkeypatch, *args):
    monkeypatch.setenv("R2P_PASSWORD", GOOD)
    call_command("r2p_user", "create", *args)


def test_an_administrator_creates_a_liaison_from_the_command_line(monkeypatch, capsys):
    create(
        monkeypatch,
        "--username",
        "ingrid",
        "--role",
        "liaison",
        "--clearance",
        "public",
        "--member-state",
        "nor",
    )
    user = User.objects.get(username="ingrid")
    assert user.role == "Member-State Liaison"
    assert user.member_state == "NOR" and user.clearance == Classification.PUBLIC
    assert user.check_password(GOOD)
    assert AuditEvent.objects.get(action="user.create").summary["role"] == "Member-State Liaison"
    assert "Created ingrid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "analist", "--clearance", "PUBLIC"], "role: unknown role 'analist'"),
        (["--role", "analyst", "--clearance", "SECRET"], "clearance: unknown classification"),
        (["--role", "liaison", "--clearance", "PUBLIC"], "member_state: A member-state liaison"),
        (
            ["--role", "liaison", "--clearance", "PUBLIC", "--member-state", "ZZZ"],
            "ZZZ is not a known ISO 3166-1 alpha-3",
        ),
        (
            ["--role", "analyst", "--clearance", "PUBLIC", "--member-state", "NOR"],
            "Only member-state liaisons",
        ),
        (["--role", "partner", "--clearance", "PUBLIC"], "organisation: A partner system needs"),
    ],
)
def test_bad_account_details_are_refused_field_by_field(monkeypatch, args, message):
    with pytest.raises(CommandError, match=message):
        create(monkeypatch, "--username", "ingrid", *args)
    assert not User.objects.filter(username="ingrid").exists()
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_a_weak_password_is_refused(monkeypatch):
    monkeypatch.setenv("R2P_PASSWORD", "short")
    with pytest.raises(CommandError, match="password: This password is too short"):
        call_command(
            "r2p_user",
            "create",
            "--username",
            "ingrid",
            "--role",
            "analyst",
            "--clearance",
            "CONFIDENTIAL",
        )


def test_a_taken_username_is_refused_whatever_its_case(monkeypatch, analyst):
    with pytest.raises(CommandError, match="username: The username 'AMINA' is taken"):
        create(monkeypatch, "--username", "AMINA", "--role", "analyst", "--clearance", "PUBLIC")


def test_without_a_password_variable_or_a_terminal_the_command_stops(monkeypatch):
    monkeypatch.delenv("R2P_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="set R2P_PASSWORD"):
        call_command(
            "r2p_user", "create", "--username", "x", "--role", "analyst", "--clearance", "PUBLIC"
        )


def test_a_token_is_printed_once_and_listed_by_its_prefix_only(partner, capsys):
    call_command("r2p_token", "create", "--username", "relay", "--expires-days", "7")
    key = capsys.readouterr().out.strip()
    token = AuthToken.objects.get(user=partner)
    assert key.startswith(token.token_key) and len(key) > len(token.token_key)
    assert 6 <= (token.expiry - token.created).days <= 7
    call_command("r2p_token", "list", "--username", "relay")
    listing = capsys.readouterr().out
    assert token.token_key in listing and key not in listing and "active" in listing


def test_a_token_is_revoked_by_its_prefix(partner, capsys):
    call_command("r2p_token", "create", "--username", "relay")
    capsys.readouterr()
    prefix = AuthToken.objects.get(user=partner).token_key
    call_command("r2p_token", "revoke", prefix)
    assert not AuthToken.objects.exists()
    with pytest.raises(CommandError, match="No token starts with"):
        call_command("r2p_token", "revoke", prefix)


@pytest.mark.parametrize("days", ["0", "5000"])
def test_an_out_of_range_expiry_is_refused(partner, days):
    with pytest.raises(CommandError, match="expire within 1 to 3650 days"):
        call_command("r2p_token", "create", "--username", "relay", "--expires-days", days)


def test_a_token_for_an_unknown_account_is_refused(db):
    with pytest.raises(CommandError, match="no account is named 'nobody'"):
        call_command("r2p_token", "create", "--username", "nobody")


def test_the_demo_accounts_cover_every_role_once_and_only_on_an_empty_database(capsys):
    call_command("r2p_demo")
    out = capsys.readouterr().out
    roles = {u.role for u in User.objects.prefetch_related("groups")}
    assert len(roles) == 8
    assert "passwords are shown this once" in out
    call_command("r2p_demo")
    assert "no demo accounts created" in capsys.readouterr().out
    assert User.objects.count() == 8
