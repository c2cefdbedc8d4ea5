"""A published or superseded report never changes: the database refuses it, whatever the code
path (the only changes left are a published report becoming superseded, once). The default
report schedules are installed as beat entries administrators can edit."""

from django.db import migrations

FROZEN = """
CREATE FUNCTION reports_refuse_frozen_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    probe reports_report;
BEGIN
    IF OLD.status NOT IN ('published', 'superseded') THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'report % is published: it cannot be deleted', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
       OR (OLD.superseded_at IS NOT NULL AND NEW.superseded_at IS DISTINCT FROM OLD.superseded_at)
    THEN
        RAISE EXCEPTION 'report % is published: its status cannot go back', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    probe := NEW;
    probe.status := OLD.status;
    probe.status_since := OLD.status_since;
    probe.superseded_at := OLD.superseded_at;
    IF probe IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'report % is published: its content is frozen', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reports_report_frozen
    BEFORE UPDATE OR DELETE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_refuse_frozen_change();
"""

DROP_FROZEN = """
DROP TRIGGER IF EXISTS reports_report_frozen ON reports_report;
DROP FUNCTION IF EXISTS reports_refuse_frozen_change();
"""


def load(apps, schema_editor):
    from reports.schedules import schedules_install

    schedules_install(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(FROZEN, DROP_FROZEN),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
