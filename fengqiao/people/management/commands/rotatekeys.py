"""`fengqiao rotatekeys`: re-encrypt all personal data with the newest key.

To rotate: put a new Fernet key in front of FENGQIAO_DATA_KEYS, keeping the old ones behind it,
restart, run this command, then drop the old keys. The lookup hashes are recomputed on the way,
so a changed FENGQIAO_HASH_KEY is taken up by the same run. Each batch is its own transaction;
an interrupted run is simply run again.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from fengqiao.people import crypto
from fengqiao.people.models import Person

ENCRYPTED = [("id_number_encrypted", "id_number_hash", "id"), ("phone_encrypted", "phone_hash", "phone")]


class Command(BaseCommand):
    help = "Re-encrypt every person's ID and phone numbers with the newest key of FENGQIAO_DATA_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        crypto.reset()
        done, last_pk = 0, 0
        while True:
            with transaction.atomic():
                batch = list(
                    Person.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", *(column for triple in ENCRYPTED for column in triple[:2]))[:batch_size]
                )
                if not batch:
                    break
                for person in batch:
                    for encrypted, hashed, kind in ENCRYPTED:
                        token = getattr(person, encrypted)
                        if token:
                            setattr(person, encrypted, crypto.rotate(token))
                            setattr(person, hashed, crypto.lookup_hash(kind, crypto.decrypt(token)))
                Person.objects.bulk_update(batch, [column for triple in ENCRYPTED for column in triple[:2]])
            done += len(batch)
            last_pk = batch[-1].pk
        self.stdout.write(f"re-encrypted {done} people")
