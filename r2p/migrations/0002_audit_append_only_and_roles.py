"""The audit table refuses UPDATE, DELETE and TRUNCATE; the role groups exist from the start."""

from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION r2p_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on r2p_auditevent refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER r2p_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON r2p_auditevent
    FOR EACH ROW EXECUTE FUNCTION r2p_audit_refuse_change();
CREATE TRIGGER r2p_auditevent_no_truncate
    BEFORE TRUNCATE ON r2p_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION r2p_audit_refuse_change();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS r2p_auditevent_no_truncate ON r2p_auditevent;
DROP TRIGGER IF EXISTS r2p_auditevent_no_update_delete ON r2p_auditevent;
DROP FUNCTION IF EXISTS r2p_audit_refuse_change();
"""


def create_role_groups(apps, schema_editor):
    # Permissions are attached after migrate (r2p.apps), once every app's permissions exist.
    from r2p.roles import roles_sync

    roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("r2p", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
