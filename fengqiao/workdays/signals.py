"""Keep the in-process calendar table in step with the admin's rows."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import calendar
from .models import CalendarYear, DayOverride


@receiver(post_save, sender=DayOverride)
@receiver(post_delete, sender=DayOverride)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def calendar_changed(sender, instance, **kwargs):
    # Now, for the rest of this transaction; and on commit, in case another thread of this process
    # reloaded the old rows in between.
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    if sender is CalendarYear and kwargs.get("created") is not None and instance.complete:
        calendar.resolve_known_warnings()
