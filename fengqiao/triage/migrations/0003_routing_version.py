"""The routing version row and the triggers that change its token on every write to the routing
rules or the units (rows or statements that insert, update, delete or truncate)."""

from django.db import migrations, models

WATCHED = ("triage_routingrule", "accounts_unit")

POSTGRES = """
CREATE OR REPLACE FUNCTION triage_bump_routing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO triage_routingversion (id, token) VALUES (1, floor(random() * 9.2e18 - 4.6e18)::bigint)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$;
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER {table}_routing_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION triage_bump_routing_version()"
)
SQLITE_TRIGGER = (
    "CREATE TRIGGER {table}_routing_version_{event} AFTER {event} ON {table} BEGIN "
    "INSERT OR REPLACE INTO triage_routingversion (id, token) VALUES (1, random()); END"
)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
        for table in WATCHED:
            schema_editor.execute(POSTGRES_TRIGGER.format(table=table))
    elif vendor == "sqlite":
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event))
    else:  # without triggers routing would serve stale rules: refuse rather than mislead
        raise RuntimeError(f"triage: no routing-version triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_routing_version ON {table}")
        else:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_routing_version_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS triage_bump_routing_version()")


class Migration(migrations.Migration):
    dependencies = [("triage", "0002_default_routing_rules"), ("accounts", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="RoutingVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.BigIntegerField()),
            ],
            options={"verbose_name": "分流规则版本", "verbose_name_plural": "分流规则版本"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
