"""The analytics share of the sweep (registered in cases.sweep.SWEEPERS): analyse each scheduled
region once for every completed day, week, month and quarter, write the scheduled briefings of those
periods, remind once of warnings left unacknowledged for a day, and send the webhook deliveries
that are due. Idempotent: a period analysed or briefed is
recorded, so running it again at the same time does nothing."""

import logging

from django.db import IntegrityError

from fengqiao import clock

from . import actions, briefings, periods, webhooks
from .models import AnalysisRun, Briefing, Cycle, Schedule

logger = logging.getLogger(__name__)


def run(at=None) -> int:
    """The number of warnings raised, briefings written and deliveries sent."""
    at = at or clock.now()
    done = 0
    for schedule in Schedule.objects.select_related("region"):
        region = schedule.region
        for cycle in Cycle.values:
            period = periods.last_completed(cycle, at)
            if (
                schedule.analyse
                and not AnalysisRun.objects.filter(
                    region=region, cycle=cycle, period_start=period.start
                ).exists()
            ):
                try:
                    with clock.at(at):
                        done += len(actions.run_analysis(region, cycle, period))
                except IntegrityError:  # another process recorded the same run
                    pass
            if (
                cycle in schedule.briefing_cycles()
                and not Briefing.objects.filter(
                    region=region, cycle=cycle, period_start=period.start
                ).exists()
            ):
                try:
                    with clock.at(at):
                        briefings.generate(region, cycle, period)
                    done += 1
                except Exception:  # one briefing failing must not stop the deadline sweep
                    logger.exception("analytics: the %s briefing of %s failed", cycle, region.code)
    done += actions.remind_unacknowledged(at)
    done += webhooks.deliver_due(at)
    return done
