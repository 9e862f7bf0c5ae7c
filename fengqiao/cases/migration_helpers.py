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
