"""`fengqiao rotatekeys`: re-encrypt all personal data with the newest key.

To rotate: put a new Fernet key in front of FENGQIAO_DATA_KEYS, keeping the old ones behind it,
restart, run this command, then drop the old keys. The lookup hashes are recomputed on the way,
so a changed FENGQIAO_HASH_KEY is taken up by the same run. Each batch is its own transaction;
an interrupted run is simply run again. Other apps' encrypted values (registered with
`crypto.register_rotation`) are rotated by the same run.
"""

from django.core.management.base import BaseCommand

from fengqiao.people import crypto
from fengqiao.people.models import Person


class Command(BaseCommand):
    help = "Re-encrypt every stored personal value with the newest key of FENGQIAO_DATA_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        crypto.reset()
        done = crypto.rotate_table(
            Person,
            ["id_number_encrypted", "phone_encrypted"],
            batch_size,
            rehash={
                "id_number_encrypted": ("id_number_hash", "id"),
                "phone_encrypted": ("phone_hash", "phone"),
            },
        )
        self.stdout.write(f"re-encrypted {done} people")
        for label, rotate in crypto.ROTATIONS:
            self.stdout.write(f"re-encrypted {rotate(batch_size)} {label}")
