"""The case list's keyset index: (pinned, reported_at, id), the list's order read backwards, over the
cases not merged into another (the only ones a list shows).

Written as SQL (the same statement on SQLite and PostgreSQL) so the model's Meta is left alone;
`fengqiao synth` drops and rebuilds it with the other secondary indexes on a bulk load.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_card_extensionrequest_followup_instruction_and_more")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX IF NOT EXISTS case_list_keyset ON cases_case ("pinned", "reported_at", "id") '
            'WHERE "merged_into_id" IS NULL',
            "DROP INDEX IF EXISTS case_list_keyset",
        )
    ]
