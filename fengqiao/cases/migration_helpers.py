"""Schema steps the case app's migrations share (kept here so a migration stays a short list of
operations; nothing else imports this module)."""


def drop_own_indexes(schema_editor, table: str, columns) -> None:
    """Drop the indexes Django made of its own accord for single columns of `table` (a foreign
    key's index and PostgreSQL's varchar_pattern_ops "_like" twin, named "<table>_<column>_<hash>"),
    found by introspection. Unique, primary-key and named indexes are left alone. Done this way
    rather than by AlterField, which on SQLite would rebuild the whole table (and trip over the
    statistics triggers)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if (
            info["index"]
            and not info["unique"]
            and not info["primary_key"]
            and name.startswith(f"{table}_")
            and len(info["columns"]) == 1
            and info["columns"][0] in columns
        ):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_own_indexes(apps, schema_editor, table: str, columns) -> None:
    """Put back the single-column indexes drop_own_indexes dropped (a reverse migration), as Django
    names and builds them for a foreign key of the model (historical, from `apps`) of `table`."""
    model = next(m for m in apps.get_app_config("cases").get_models() if m._meta.db_table == table)
    for field in (f for f in model._meta.concrete_fields if f.column in columns):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
