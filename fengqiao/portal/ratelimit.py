"""A fixed-window rate limit counted in the database: the same on SQLite and PostgreSQL and across
every process of `fengqiao serve` (the default cache is per process). Keys are hashed, so the table
holds no addresses or phone numbers."""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from fengqiao import clock as wallclock

from .models import Hit

# (attempts, window in seconds); settings may override each, e.g. PORTAL_LIMITS = {"submit": (5, 3600)}
DEFAULT_LIMITS = {
    "submit": (5, 3600),  # submissions per address per hour
    "lookup": (20, 600),  # progress look-ups per address per 10 minutes
    "miss": (10, 3600),  # failed look-ups of one case number per hour (guessing its phone)
    "rate": (10, 3600),  # ratings per address per hour
}


def _limit(kind: str) -> tuple[int, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "PORTAL_LIMITS", {})}[kind]


def _digest(kind: str, key: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{kind}:{key}".encode()).hexdigest()


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def over_limit(kind: str, key: str, count: bool = True) -> bool:
    """True when `key` has already used up its attempts of `kind` in the current window; with
    `count`, this attempt is counted first."""
    limit, seconds = _limit(kind)
    start = _window_start(wallclock.now(), seconds)
    digest = _digest(kind, key)
    if not count:
        hit = Hit.objects.filter(key=digest, window_start=start).first()
        return hit is not None and hit.count >= limit
    with transaction.atomic():
        hit, created = Hit.objects.get_or_create(key=digest, window_start=start, defaults={"count": 1})
        if not created:
            Hit.objects.filter(pk=hit.pk).update(count=F("count") + 1)
            hit.refresh_from_db(fields=["count"])
    return hit.count > limit


def purge(at: datetime) -> int:
    """The sweeper: forget windows older than a day."""
    deleted, _ = Hit.objects.filter(window_start__lt=at - timedelta(days=1)).delete()
    return deleted
