import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.urls import reverse

from r2p import services
from r2p.models import AuditEvent

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, ProgrammingError)


def record(action="test.thing", **kwargs):
    return services.audit_record(action=action, **kwargs)


def tamper(sql, params=()):
    """Change the audit table the way an intruder with the owner's rights could."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE r2p_auditevent DISABLE TRIGGER r2p_auditevent_no_update_delete")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE r2p_auditevent ENABLE TRIGGER r2p_auditevent_no_update_delete")


def test_each_row_carries_the_hash_of_the_row_before_it(analyst):
    first = record(actor=analyst)
    second = record(actor=analyst, summary={"changed": ["title"]})
    assert first.prev_hash == services.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert len(second.hash) == 64


def test_an_update_of_an_audit_row_is_refused_by_the_database(analyst):
    event = record(actor=analyst)
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")


def test_a_delete_of_an_audit_row_is_refused_by_the_database(analyst):
    event = record(actor=analyst)
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_a_truncate_of_the_audit_table_is_refused_by_the_database(analyst):
    record(actor=analyst)
    with (
        pytest.raises(REFUSED, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test's own transaction holds deferred foreign-key checks; settle them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE r2p_auditevent CASCADE")


def test_audit_verify_passes_on_an_untouched_chain(analyst, capsys):
    for n in range(5):
        record(actor=analyst, summary={"n": n})
    call_command("audit_verify")
    assert "audit chain intact: 5 rows" in capsys.readouterr().out


def test_audit_verify_names_a_row_altered_behind_the_triggers_back(analyst):
    rows = [record(actor=analyst, summary={"n": n}) for n in range(4)]
    victim = rows[2]
    tamper("UPDATE r2p_auditevent SET summary = '{\"n\": 99}' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"broken at row {victim.pk}: its content"):
        call_command("audit_verify")


def test_audit_verify_notices_a_deleted_row(analyst):
    rows = [record(actor=analyst, summary={"n": n}) for n in range(4)]
    tamper("DELETE FROM r2p_auditevent WHERE id = %s", [rows[1].pk])
    report = services.audit_chain_verify()
    assert report.first_broken_id == rows[2].pk
    assert "previous-row hash" in report.problem


def test_a_failed_verification_is_itself_recorded_for_the_auditors(analyst, auditor, client):
    rows = [record(actor=analyst) for _ in range(2)]
    tamper("UPDATE r2p_auditevent SET action = 'x' WHERE id = %s", [rows[0].pk])
    services.audit_chain_check()
    assert AuditEvent.objects.filter(action="audit.verify_failed").exists()
    client.force_login(auditor)
    page = client.get(reverse("audit-list")).content.decode()
    assert "Chain broken" in page and f"at row {rows[0].pk}" in page


def test_a_summary_never_holds_more_than_it_was_given(analyst):
    event = record(actor=analyst, summary={"changed": ["narrative"]})
    assert event.summary == {"changed": ["narrative"]}


def test_the_auditor_filters_the_trail_by_user_action_and_date(auditor, analyst, client):
    record(action="signal.create", actor=analyst)
    record(action="signal.create", actor=auditor)
    record(action="situation.create", actor=analyst)
    client.force_login(auditor)
    response = client.get(reverse("audit-list"), {"user": "amina", "action": "signal.create"})
    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [(r.actor_username, r.action) for r in rows] == [("amina", "signal.create")]


def test_an_inverted_date_range_is_explained_beside_the_field(auditor, client):
    client.force_login(auditor)
    response = client.get(
        reverse("audit-list"), {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["page"].rows == []


def test_a_malformed_date_filter_is_a_field_error_not_a_crash(auditor, client):
    client.force_login(auditor)
    response = client.get(reverse("audit-list"), {"date_from": "yesterday"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_the_trail_pages_with_older_and_newer_links(auditor, client):
    for n in range(60):
        record(action="bulk.thing", summary={"n": n})
    client.force_login(auditor)
    first = client.get(reverse("audit-list"), {"action": "bulk.thing"})
    page = first.context["page"]
    assert len(page.rows) == 50 and page.previous_query is None
    second = client.get(reverse("audit-list") + page.next_query)
    older = second.context["page"]
    assert len(older.rows) == 10 and older.next_query is None
    assert "action=bulk.thing" in older.previous_query
    back = client.get(reverse("audit-list") + older.previous_query).context["page"]
    assert [r.pk for r in back.rows] == [r.pk for r in page.rows]


def test_the_trail_page_costs_the_same_queries_for_10_or_50_rows(
    auditor, analyst, client, django_assert_max_num_queries
):
    client.force_login(auditor)
    for _ in range(50):
        record(action="q.thing", actor=analyst)
    with django_assert_max_num_queries(12):
        client.get(reverse("audit-list"))


def test_an_analyst_is_refused_the_audit_trail_and_the_refusal_is_recorded(analyst, client):
    client.force_login(analyst)
    response = client.get(reverse("audit-list"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=analyst).exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("audit-list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
