"""Briefings (日报/周报/月报/季报) of a region for one period, as a county office writes them: the
overall figures against the period before, the breakdown by category and by township with charts,
hot spots, warnings and risks, the overdue list, and suggestions for the work ahead; as Word
(python-docx) and PDF (WeasyPrint, from the same content).

A briefing describes the region as a whole (it goes to whoever may see the region), so it counts
every case of the region, not a user's view of it."""

from __future__ import annotations

import base64
import io

from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from fengqiao import clock
from fengqiao.cases.codes import OPEN_STATUSES, Category, Channel
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Case
from fengqiao.cases.stats import case_stats
from fengqiao.regions import codes as region_codes
from fengqiao.regions.models import Region

from . import charts, dashboard, periods
from .models import BRIEFING_NAMES, Briefing, Warning

CATEGORY_LABELS = dict(Category.choices)
CHANNEL_LABELS = dict(Channel.choices)
HIGH_RISK = 60
LIST_LIMIT = 15


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _trend(now: int, before: int) -> str:
    if before == 0:
        return "上期无数据" if now else "持平"
    change = (now - before) / before
    if abs(change) < 0.005:
        return "与上期持平"
    return f"环比{'上升' if change > 0 else '下降'}{abs(change) * 100:.1f}%"


def _local(moment) -> str:
    return timezone.localtime(moment, LOCAL).strftime("%Y-%m-%d %H:%M") if moment else ""


def compose(region: Region, cycle: str, period: periods.Period) -> dict:
    """The content of a briefing, as plain data both renderers use."""
    cases = Case.objects.all()
    before = period.previous()
    now = case_stats(cases, region.code, period.start_at, period.end_at)
    prev = case_stats(cases, region.code, before.start_at, before.end_at)
    in_region = cases.filter(region_codes.subtree_q("region_id", region.code), merged_into__isnull=True)
    in_period = in_region.filter(reported_at__gte=period.start_at, reported_at__lte=period.end_at)

    categories = sorted(
        {*now["by_category"], *prev["by_category"]},
        key=lambda code: (-now["by_category"].get(code, 0), -prev["by_category"].get(code, 0)),
    )
    category_rows = [
        {
            "label": CATEGORY_LABELS.get(code, code),
            "now": now["by_category"].get(code, 0),
            "before": prev["by_category"].get(code, 0),
            "change": now["by_category"].get(code, 0) - prev["by_category"].get(code, 0),
        }
        for code in categories
    ]
    children = dashboard.by_child(cases, region, period)
    grid_counts = list(
        in_period.exclude(grid_code__isnull=True)
        .values("grid_code")
        .annotate(n=Count("pk"))
        .order_by("-n", "grid_code")[:5]
    )
    grid_names = dict(
        Region.objects.filter(code__in=[row["grid_code"] for row in grid_counts]).values_list("code", "name")
    )
    hot_spots = [
        {
            "name": grid_names.get(row["grid_code"], row["grid_code"]),
            "code": row["grid_code"],
            "count": row["n"],
        }
        for row in grid_counts
    ]
    warnings = list(
        Warning.objects.filter(
            region_codes.subtree_q("region_id", region.code),
            period_end__gte=period.start,
            period_start__lte=period.end,
        ).order_by("-severity", "-detected_at")[:LIST_LIMIT]
    )
    risks = list(
        in_region.filter(status__in=OPEN_STATUSES, risk__gte=HIGH_RISK, reported_at__lte=period.end_at)
        .select_related("region")
        .order_by("-risk", "reported_at")[:LIST_LIMIT]
    )
    overdue = list(
        in_region.filter(status__in=OPEN_STATUSES, overdue=True, reported_at__lte=period.end_at)
        .select_related("region", "handling_unit")
        .order_by("deadline_at")[:LIST_LIMIT]
    )
    overdue_total = in_region.filter(
        status__in=OPEN_STATUSES, overdue=True, reported_at__lte=period.end_at
    ).count()
    name = BRIEFING_NAMES[cycle]
    figures = {
        "received": now["received"],
        "resolved": now["resolved"],
        "overdue": now["overdue"],
        "resolution_rate": now["resolution_rate"],
        "on_time_rate": now["on_time_rate"],
        "previous_received": prev["received"],
        "previous_resolved": prev["resolved"],
        "by_category": now["by_category"],
        "open_overdue": overdue_total,
        "warnings": len(warnings),
    }
    rising = [row for row in category_rows if row["change"] > 0][:3]
    suggestions = []
    for row in rising:
        suggestions.append(
            f"{row['label']}较上期增加 {row['change']} 件,请相关乡镇和部门分析原因、提前介入化解。"
        )
    if hot_spots:
        suggestions.append(
            f"{hot_spots[0]['name']}本期事项最多({hot_spots[0]['count']} 件),请加强网格巡查和矛盾排查。"
        )
    if overdue_total:
        suggestions.append(f"尚有 {overdue_total} 件超期未办结事项,请承办单位限期办结,中心跟踪督办。")
    if warnings:
        suggestions.append(f"本期研判预警 {len(warnings)} 条,请责任中心和网格员及时签收、落实处置并反馈。")
    if not suggestions:
        suggestions.append("本期各类矛盾纠纷总体平稳,请继续做好日常排查化解工作。")
    return {
        "region": region,
        "cycle": cycle,
        "name": name,
        "title": f"{region.name}矛盾纠纷排查化解{name}",
        "period": period,
        "period_label": period.label(),
        "previous_label": before.label(),
        "generated_at": _local(clock.now()),
        "figures": figures,
        "summary": (
            f"{period.label()},{region.name}共受理各类矛盾纠纷和群众诉求 {now['received']} 件,"
            f"{_trend(now['received'], prev['received'])}(上期 {prev['received']} 件);"
            f"已办结 {now['resolved']} 件,化解率 {_percent(now['resolution_rate'])},"
            f"按期办结率 {_percent(now['on_time_rate'])};期内发生超期 {now['overdue']} 件。"
        ),
        "channels": "、".join(
            f"{CHANNEL_LABELS.get(code, code)} {count} 件"
            for code, count in sorted(now["by_channel"].items(), key=lambda item: -item[1])
        ),
        "categories": category_rows,
        "children": [{**row, "rate": _percent(row["resolution_rate"])} for row in children],
        "hot_spots": hot_spots,
        "warnings": [
            {
                "title": w.title,
                "severity": w.get_severity_display(),
                "kind": w.get_kind_display(),
                "state": w.get_state_display(),
            }
            for w in warnings
        ],
        "risks": [
            {
                "number": c.number,
                "title": c.title,
                "place": c.region.name,
                "risk": c.risk,
                "reasons": ";".join(c.risk_reasons),
            }
            for c in risks
        ],
        "overdue": [
            {
                "number": c.number,
                "title": c.title,
                "unit": c.handling_unit.name if c.handling_unit_id else "",
                "deadline": _local(c.deadline_at),
                "status": c.get_status_display(),
            }
            for c in overdue
        ],
        "overdue_total": overdue_total,
        "suggestions": suggestions,
        "charts": _charts(region, period, category_rows, children),
    }


def _charts(region, period, category_rows, children) -> list[tuple[str, bytes]]:
    images = []
    top = category_rows[:8]
    if top:
        images.append(
            (
                "按类别受理情况",
                charts.bar_chart(
                    "按类别受理情况(件)",
                    [row["label"].removesuffix("纠纷") for row in top],
                    [("本期", [row["now"] for row in top]), ("上期", [row["before"] for row in top])],
                ),
            )
        )
    if children:
        shown = sorted(children, key=lambda row: -row["received"])[:10]
        images.append(
            (
                "各地受理与办结情况",
                charts.bar_chart(
                    "各地受理与办结情况(件)",
                    [row["name"] for row in shown],
                    [
                        ("受理", [row["received"] for row in shown]),
                        ("办结", [row["resolved"] for row in shown]),
                    ],
                ),
            )
        )
    if period.days > 1:
        trend = dashboard.daily_trend(Case.objects.all(), region, period.end, period.days)
        images.append(
            (
                "每日受理与办结走势",
                charts.line_chart(
                    "每日受理与办结走势(件)",
                    [row[0][5:] for row in trend],
                    [("受理", [row[1] for row in trend]), ("办结", [row[2] for row in trend])],
                ),
            )
        )
    return images


# ------------------------------------------------------------------------------------- Word


def _set_font(run, size=None, bold=None, east_asia="宋体"):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def to_docx(content: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def paragraph(text, size=16, bold=False, align=None, east_asia="仿宋", indent=True):
        para = document.add_paragraph()
        if align is not None:
            para.alignment = align
        if indent:
            para.paragraph_format.first_line_indent = Pt(size * 2)
        para.paragraph_format.line_spacing = Pt(28)
        _set_font(para.add_run(text), size, bold, east_asia)
        return para

    paragraph(content["title"], 22, True, WD_ALIGN_PARAGRAPH.CENTER, "方正小标宋简体", indent=False)
    paragraph(f"({content['period_label']})", 16, False, WD_ALIGN_PARAGRAPH.CENTER, "楷体", indent=False)
    paragraph(f"生成时间:{content['generated_at']}", 12, False, WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    def heading(text):
        paragraph(text, 16, True, east_asia="黑体")

    def table(columns, rows):
        grid = document.add_table(rows=1, cols=len(columns))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, columns, strict=True):
            cell.text = ""
            _set_font(cell.paragraphs[0].add_run(str(text)), 11, True, "黑体")
        for row in rows:
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = ""
                _set_font(cell.paragraphs[0].add_run(str(text)), 11, False)
        document.add_paragraph()

    charts_by_title = dict(content["charts"])

    def chart(title):
        if title in charts_by_title:
            document.add_picture(io.BytesIO(charts_by_title[title]), width=Cm(15.5))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    heading("一、总体情况")
    paragraph(content["summary"])
    if content["channels"]:
        paragraph(f"从来源看:{content['channels']}。")
    chart("每日受理与办结走势")
    heading("二、分类情况")
    if content["categories"]:
        table(
            ["类别", "本期(件)", "上期(件)", "增减"],
            [[r["label"], r["now"], r["before"], f"{r['change']:+d}"] for r in content["categories"]],
        )
        chart("按类别受理情况")
    else:
        paragraph("本期未受理事项。")
    heading("三、区域分布和热点")
    if content["children"]:
        table(
            ["区划", "受理", "办结", "超期", "化解率"],
            [[r["name"], r["received"], r["resolved"], r["overdue"], r["rate"]] for r in content["children"]],
        )
        chart("各地受理与办结情况")
    if content["hot_spots"]:
        paragraph(
            "事项较多的网格:"
            + "、".join(f"{spot['name']}({spot['count']} 件)" for spot in content["hot_spots"])
            + "。"
        )
    heading("四、风险预警")
    if content["warnings"]:
        table(
            ["预警", "类型", "等级", "状态"],
            [[w["title"], w["kind"], w["severity"], w["state"]] for w in content["warnings"]],
        )
    else:
        paragraph("本期未产生研判预警。")
    if content["risks"]:
        paragraph("在办高风险事项:")
        table(
            ["事项编号", "标题", "地点", "风险分", "风险因素"],
            [[r["number"], r["title"], r["place"], r["risk"], r["reasons"]] for r in content["risks"]],
        )
    heading("五、超期未办结事项")
    if content["overdue"]:
        paragraph(f"截至本期末共有超期未办结事项 {content['overdue_total']} 件,清单如下:")
        table(
            ["事项编号", "标题", "承办单位", "办理时限", "状态"],
            [[r["number"], r["title"], r["unit"], r["deadline"], r["status"]] for r in content["overdue"]],
        )
    else:
        paragraph("无超期未办结事项。")
    heading("六、下步工作建议")
    for number, text in enumerate(content["suggestions"], start=1):
        paragraph(f"{number}. {text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- PDF


def to_pdf(content: dict) -> bytes:
    from weasyprint import HTML

    images = [
        (title, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
        for title, png in content["charts"]
    ]
    html = render_to_string("analytics/briefing_pdf.html", {**content, "images": dict(images)})
    return HTML(string=html).write_pdf()


# ------------------------------------------------------------------------------------- storing


def generate(region: Region, cycle: str, period: periods.Period, user=None) -> Briefing:
    """Compose, render and store the briefing (replacing an earlier one of the same period)."""
    content = compose(region, cycle, period)
    docx_bytes = to_docx(content)
    pdf_bytes = to_pdf(content)
    with transaction.atomic():
        briefing, _ = Briefing.objects.update_or_create(
            region=region,
            cycle=cycle,
            period_start=period.start,
            defaults={
                "period_end": period.end,
                "title": f"{content['title']}({content['period_label']})",
                "figures": content["figures"],
                "docx": docx_bytes,
                "pdf": pdf_bytes,
                "generated_at": clock.now(),
                "generated_by": user,
            },
        )
    return briefing
