"""Keep the in-process grid index in step with the region table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import locate
from .models import Region


@receiver(post_save, sender=Region)
@receiver(post_delete, sender=Region)
def region_changed(sender, instance, **kwargs):
    locate.invalidate()
