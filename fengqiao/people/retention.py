"""Retention: personal data and logs are kept only as long as the settings say, then anonymised
or purged, and every run leaves an audit row (RetentionRun) saying what went and why.

Rules (each a setting in days; 0 turns the rule off):
- RETENTION_PERSONAL_DATA_DAYS: a person's name, ID and phone numbers are anonymised once their
  file has not changed for that long, every case they are a party to finished (closed or
  refused) and unchanged at least that long ago, and nothing else (a grid residence, a special-group file, a service record…) still holds
  them. The cases themselves stay as the record of the work, with the party "已匿名".
- RETENTION_ACCESS_LOG_DAYS: rows of the personal-data access log (never less than 180 days, the
  Cybersecurity Law's minimum for logs).
- RETENTION_LOGIN_LOG_DAYS: login attempts and logins recorded by django-axes.
- RETENTION_SMS_DAYS: text messages in the outbox (they hold phone numbers) that are done with.
Expired sessions are cleared on every run.

`fengqiao retention` runs the rules (--dry-run counts only); the sweep runs them once a day.
Other apps add their own rule with `register_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction

from fengqiao import clock as wallclock

from .models import AccessLog, Person, RetentionRun

ANONYMOUS_NAME = "已匿名"
LOG_MINIMUM_DAYS = 180
# Relations of Person that do not keep a person's data alive: the audit of looks at it, and case
# parties (judged by their cases' closing dates instead).
RELEASING_RELATIONS = {"access_logs", "case_parties"}


@dataclass(frozen=True)
class Rule:
    name: str
    setting: str
    apply: object  # apply(cutoff: datetime, dry_run: bool) -> number of rows anonymised or purged
    minimum_days: int = 0

    def days(self) -> int:
        days = int(getattr(settings, self.setting, 0) or 0)
        return max(days, self.minimum_days) if days > 0 else 0


RULES: list[Rule] = []


def register_rule(name: str, setting: str, apply, minimum_days: int = 0) -> None:
    """Add a rule (idempotent by name): apply(cutoff, dry_run) -> rows anonymised or purged."""
    if name not in {rule.name for rule in RULES}:
        RULES.append(Rule(name, setting, apply, minimum_days))


def expired_people(cutoff: datetime) -> models.QuerySet:
    """People whose data is due for anonymisation at this cutoff."""
    from fengqiao.cases.codes import Status
    from fengqiao.cases.models import Party

    finished = [Status.CLOSED, Status.REJECTED]
    held = Party.objects.exclude(case__status__in=finished, case__updated_at__lt=cutoff)
    people = (
        Person.objects.filter(updated_at__lt=cutoff)
        .exclude(name=ANONYMOUS_NAME, id_number_hash__isnull=True, phone_hash__isnull=True)
        .exclude(pk__in=held.values("person_id"))
    )
    for relation in Person._meta.related_objects:
        if relation.get_accessor_name() in RELEASING_RELATIONS:
            continue
        related = relation.related_model._base_manager.filter(**{f"{relation.field.name}__isnull": False})
        people = people.exclude(pk__in=related.values(relation.field.name))
    return people


def anonymise_people(cutoff: datetime, dry_run: bool) -> int:
    people = expired_people(cutoff)
    if dry_run:
        return people.count()
    return people.update(
        name=ANONYMOUS_NAME,
        name_pinyin="",
        id_number_encrypted="",
        id_number_hash=None,
        phone_encrypted="",
        phone_hash=None,
        updated_at=wallclock.now(),
    )


def purge_access_log(cutoff: datetime, dry_run: bool) -> int:
    old = AccessLog.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count()
    # The model refuses deletes everywhere else; retention is the one sanctioned purge.
    return models.QuerySet.delete(old)[0]


def purge_login_log(cutoff: datetime, dry_run: bool) -> int:
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as LoginLog

    total = 0
    for model in (AccessAttempt, AccessFailureLog, LoginLog):
        old = model.objects.filter(attempt_time__lt=cutoff)
        total += old.count() if dry_run else old.delete()[0]
    return total


def purge_sms(cutoff: datetime, dry_run: bool) -> int:
    from fengqiao.notices.models import SmsMessage

    done = SmsMessage.objects.filter(created_at__lt=cutoff).exclude(status=SmsMessage.Status.QUEUED)
    return done.count() if dry_run else done.delete()[0]


register_rule("personal_data", "RETENTION_PERSONAL_DATA_DAYS", anonymise_people)
register_rule("access_log", "RETENTION_ACCESS_LOG_DAYS", purge_access_log, LOG_MINIMUM_DAYS)
register_rule("login_log", "RETENTION_LOGIN_LOG_DAYS", purge_login_log)
register_rule("sms_outbox", "RETENTION_SMS_DAYS", purge_sms)


def run(at: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Apply every rule now; {rule: rows anonymised or purged}. Audited unless dry_run."""
    at = at or wallclock.now()
    done: dict[str, int] = {}
    for rule in RULES:
        days = rule.days()
        if not days:
            continue
        cutoff = at - timedelta(days=days)
        with transaction.atomic():
            done[rule.name] = rule.apply(cutoff, dry_run)
            if not dry_run:
                RetentionRun.objects.create(
                    at=at, rule=rule.name, days=days, cutoff=cutoff, count=done[rule.name]
                )
    if not dry_run:
        from django.contrib.sessions.models import Session

        Session.objects.filter(expire_date__lt=at).delete()
    return done


def sweep(at: datetime) -> int:
    """The daily run inside `fengqiao sweep`: does nothing if a run happened in the last day."""
    if RetentionRun.objects.filter(at__gt=at - timedelta(days=1), at__lte=at).exists():
        return 0
    return sum(run(at).values())
