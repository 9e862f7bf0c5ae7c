"""The ledgers (台账) and their column layouts, as county offices keep them in Excel: one title row,
one row saying what the sheet covers, then the header row and one row per item. The same header
names are read back on import (imports.py), so an exported ledger re-imports without duplicates.

Each ledger says which rows a user may export (always through the scoping functions) and how one
row becomes cells. Personal numbers are exported masked; names are shown as on the case pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases.codes import Category, Channel, Level, Status, Track
from fengqiao.cases.models import Case, Party
from fengqiao.regions import codes as region_codes


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    width: int = 14


@dataclass(frozen=True)
class Ledger:
    code: str
    title: str  # the sheet's title, e.g. 矛盾纠纷排查化解台账
    columns: list[Column]
    rows: Callable[[object, str | None, date | None, date | None], QuerySet]
    importable: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


# ------------------------------------------------------------------------------------ helpers

# Labels looked up once: Model.get_FOO_display() costs more than the rest of a cell.
CHANNELS, CATEGORIES, LEVELS, STATUSES, TRACKS = (
    dict(choices.choices) for choices in (Channel, Category, Level, Status, Track)
)


def local(value: datetime | None):
    """An Excel cell for an aware datetime: its Asia/Shanghai wall time, without zone (Excel has none)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    low = datetime.combine(start, datetime.min.time(), tzinfo=tz) if start else None
    high = datetime.combine(end, datetime.max.time(), tzinfo=tz) if end else None
    return low, high


def _parties(case: Case, role: str) -> list:
    return [party.person for party in case.parties.all() if party.role == role]


def _names(case: Case, role: str) -> str:
    return "、".join(person.name for person in _parties(case, role))


def _phones(case: Case, role: str) -> str:
    return "、".join(person.masked_phone for person in _parties(case, role) if person.phone_hash)


def _cases(user, region: str | None, start: date | None, end: date | None) -> QuerySet:
    cases = visible_cases(user).filter(merged_into__isnull=True)
    if region:
        cases = cases.filter(region_codes.subtree_q("region_id", region))
    low, high = _day_bounds(start, end)
    if low:
        cases = cases.filter(reported_at__gte=low)
    if high:
        cases = cases.filter(reported_at__lte=high)
    return cases


def _with_parties(queryset: QuerySet, prefix: str = "") -> QuerySet:
    return queryset.prefetch_related(
        Prefetch(f"{prefix}parties", queryset=Party.objects.select_related("person").order_by("id"))
    )


def _yes_no(value) -> str:
    return "" if value is None else ("是" if value else "否")


# ------------------------------------------------------------------------------------ cases


def case_rows(user, region, start, end):
    return _with_parties(
        _cases(user, region, start, end)
        .select_related("region", "handling_unit")
        .prefetch_related("portal_ratings")
        .order_by("reported_at", "id")
    )


def _citizen_rating(case: Case) -> str:
    """The applicant's own rating from the portal (群众评价), the latest one."""
    ratings = sorted(case.portal_ratings.all(), key=lambda rating: rating.at)
    if not ratings:
        return ""
    latest = ratings[-1]
    return f"{latest.get_score_display()}({'已解决' if latest.settled else '未解决'})"


CASE_COLUMNS = [
    Column("事项编号", lambda c: c.number, 22),
    Column("登记时间", lambda c: local(c.reported_at), 17),
    Column("来源渠道", lambda c: CHANNELS.get(c.channel, c.channel), 12),
    Column("事项类别", lambda c: CATEGORIES.get(c.category, c.category), 16),
    Column("标题", lambda c: c.title, 24),
    Column("事项描述", lambda c: c.description, 40),
    Column("发生时间", lambda c: local(c.occurred_at), 17),
    Column("发生地点", lambda c: c.address, 24),
    Column("所属区划", lambda c: c.region.name, 12),
    Column("区划代码", lambda c: c.region_id, 16),
    Column("申请人", lambda c: _names(c, "applicant"), 10),
    Column("申请人电话", lambda c: _phones(c, "applicant"), 14),
    Column("被申请人", lambda c: _names(c, "respondent"), 10),
    Column("被申请人电话", lambda c: _phones(c, "respondent"), 14),
    Column("办理层级", lambda c: LEVELS.get(c.level, c.level), 12),
    Column("办理路径", lambda c: TRACKS.get(c.track, c.track), 10),
    Column("承办单位", lambda c: c.handling_unit.name if c.handling_unit else "", 20),
    Column("办理状态", lambda c: STATUSES.get(c.status, c.status), 12),
    Column("办理时限", lambda c: local(c.deadline_at), 17),
    Column("是否超期", lambda c: _yes_no(c.overdue), 8),
    Column("办结时间", lambda c: local(c.resolved_at), 17),
    Column("结案时间", lambda c: local(c.closed_at), 17),
    Column("满意度", lambda c: c.satisfaction, 8),
    Column("群众评价", _citizen_rating, 14),
]

# ------------------------------------------------------------------------------------ mediations


def mediation_rows(user, region, start, end):
    from fengqiao.mediation.models import Mediation

    cases = _cases(user, region, start, end)
    return _with_parties(
        Mediation.objects.filter(case__in=cases)
        .select_related("case", "case__region", "mediator", "mediator__body", "agreement")
        .prefetch_related("sessions", "visits")
        .order_by("started_at", "id"),
        prefix="case__",
    )


def _agreement(mediation):
    return getattr(mediation, "agreement", None)


def _confirmation(mediation) -> str:
    agreement = _agreement(mediation)
    confirmation = getattr(agreement, "confirmation", None) if agreement else None
    return confirmation.get_state_display() if confirmation else ""


def _fulfilment(mediation) -> str:
    visited = [visit for visit in mediation.visits.all() if visit.visited_at]
    if not visited:
        return ""
    return max(visited, key=lambda visit: visit.visited_at).get_fulfilment_display()


MEDIATION_COLUMNS = [
    Column("事项编号", lambda m: m.case.number, 22),
    Column("受理日期", lambda m: local(m.started_at), 17),
    Column("纠纷类别", lambda m: CATEGORIES.get(m.case.category, m.case.category), 16),
    Column("纠纷简要情况", lambda m: m.case.description, 40),
    Column("发生地点", lambda m: m.case.address, 20),
    Column("区划代码", lambda m: m.case.region_id, 16),
    Column("申请人", lambda m: _names(m.case, "applicant"), 10),
    Column("申请人电话", lambda m: _phones(m.case, "applicant"), 14),
    Column("被申请人", lambda m: _names(m.case, "respondent"), 10),
    Column("被申请人电话", lambda m: _phones(m.case, "respondent"), 14),
    Column("调解组织", lambda m: m.mediator.body.name if m.mediator and m.mediator.body else "", 20),
    Column("调解员", lambda m: m.mediator.name if m.mediator else "", 10),
    Column("调解次数", lambda m: len(m.sessions.all()), 8),
    Column("调解结果", lambda m: m.get_outcome_display(), 10),
    Column("结束日期", lambda m: local(m.ended_at), 17),
    Column("协议编号", lambda m: _agreement(m).number if _agreement(m) else "", 18),
    Column("协议生效时间", lambda m: local(_agreement(m).signed_at) if _agreement(m) else None, 17),
    Column("履行期限", lambda m: _agreement(m).perform_by if _agreement(m) else None, 12),
    Column("司法确认", _confirmation, 10),
    Column("履行情况", _fulfilment, 10),
    Column("调解不成的去向", lambda m: m.next_step, 20),
]

# ------------------------------------------------------------------------------------ petitions


def petition_rows(user, region, start, end):
    from fengqiao.petitions.models import Petition

    cases = _cases(user, region, start, end)
    return (
        Petition.objects.filter(case__in=cases)
        .select_related(
            "case", "case__region", "case__handling_unit", "petitioner", "transferred_to", "repeat_of__case"
        )
        .prefetch_related("reviews")
        .order_by("registered_at", "id")
    )


def _reviews(petition) -> str:
    return ";".join(
        f"{review.get_kind_display()}:{review.get_outcome_display() or '办理中'}"
        for review in petition.reviews.all()
    )


PETITION_COLUMNS = [
    Column("事项编号", lambda p: p.case.number, 22),
    Column("登记日期", lambda p: local(p.registered_at), 17),
    Column("信访人", lambda p: p.petitioner.name if p.petitioner else "", 10),
    Column(
        "联系电话",
        lambda p: p.petitioner.masked_phone if p.petitioner and p.petitioner.phone_hash else "",
        14,
    ),
    Column("信访事项", lambda p: p.case.description, 40),
    Column("所属区划", lambda p: p.case.region.name, 12),
    Column("区划代码", lambda p: p.case.region_id, 16),
    Column("地址", lambda p: p.case.address, 20),
    Column("重复信访", lambda p: p.repeat_of.case.number if p.repeat_of else "", 22),
    Column("是否受理", lambda p: _yes_no(p.accepted), 8),
    Column("受理决定时间", lambda p: local(p.decided_at), 17),
    Column("转送交办单位", lambda p: p.transferred_to.name if p.transferred_to else "", 20),
    Column("办理期限", lambda p: local(p.case.deadline_at), 17),
    Column("延期天数", lambda p: p.extended_days, 8),
    Column("答复时间", lambda p: local(p.answered_at), 17),
    Column("信访人评价", lambda p: p.get_evaluation_display(), 10),
    Column("复查复核", _reviews, 20),
    Column("办理状态", lambda p: STATUSES.get(p.case.status, p.case.status), 12),
]

# ------------------------------------------------------------------------------------ supervision


def supervision_rows(user, region, start, end):
    from fengqiao.supervision.actions import visible_ledger

    items = visible_ledger(user)
    if region:
        items = items.filter(region_codes.subtree_q("region_id", region))
    low, high = _day_bounds(start, end)
    if low:
        items = items.filter(listed_at__gte=low)
    if high:
        items = items.filter(listed_at__lte=high)
    return items.select_related("region", "case", "responsible_unit").order_by("listed_at", "id")


def _ledger_status(item) -> str:
    from fengqiao.supervision.models import LEDGER_STATUS_LABELS

    return LEDGER_STATUS_LABELS[item.status(timezone.localdate())]


SUPERVISION_COLUMNS = [
    Column("挂账层级", lambda i: i.get_level_display(), 14),
    Column("挂账区划", lambda i: i.region.name, 12),
    Column("区划代码", lambda i: i.region_id, 16),
    Column("督办事项", lambda i: i.title, 30),
    Column("关联事项编号", lambda i: i.case.number if i.case else "", 22),
    Column("包案领导", lambda i: i.responsible_leader, 10),
    Column("责任单位", lambda i: i.responsible_unit.name if i.responsible_unit else "", 20),
    Column("挂账时间", lambda i: local(i.listed_at), 17),
    Column("办结时限", lambda i: i.due_date, 12),
    Column("销账时间", lambda i: local(i.closed_at), 17),
    Column("督办状态", _ledger_status, 10),
    Column("销账说明", lambda i: i.close_note, 24),
]

LEDGERS: dict[str, Ledger] = {
    ledger.code: ledger
    for ledger in (
        Ledger("cases", "矛盾纠纷排查化解台账", CASE_COLUMNS, case_rows, importable=True),
        Ledger("mediations", "人民调解案件登记台账", MEDIATION_COLUMNS, mediation_rows, importable=True),
        Ledger("petitions", "信访事项登记台账", PETITION_COLUMNS, petition_rows, importable=True),
        Ledger("supervision", "挂账督办台账", SUPERVISION_COLUMNS, supervision_rows, importable=True),
    )
}
