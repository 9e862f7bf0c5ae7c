"""Rendering the message templates (events.py) with Django's template engine.

The context holds plain values only (strings, numbers, lists of them), never model instances, so
a template an admin writes can reach nothing but what the sender chose to give it (no parties'
phone numbers through `case.parties…`). Tags that reach outside the template (include, extends,
load, debug) are refused.

An admin's template is checked when it is saved (MessageTemplate.clean) and again when it is
used: one that fails to render, or renders an empty title, is logged and the event's default is
used instead, so a bad edit never stops a notice.
"""

import functools
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from . import events

logger = logging.getLogger("fengqiao.notices")

FORBIDDEN_TAGS = re.compile(r"{%-?\s*(include|extends|load|debug|ssi)\b")
UNCLOSED = re.compile(r"{{|{%|%}|}}")
TITLE_MAX = 200
BODY_MAX = 4000
SMS_MAX = 300


class TemplateProblem(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    sms: str
    send_sms: bool
    fell_back: bool = False


def _plain(value):
    """A value as a template may see it: text, numbers, booleans, lists and dicts of them."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else f"{value:%Y-%m-%d %H:%M}"
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


@functools.cache
def _choice_labels(model, name: str) -> dict:
    return dict(model._meta.get_field(name).flatchoices)


def _display(case, name: str) -> str:
    """case.get_<name>_display(), from a dict of the field's choices built once per process (Django
    builds it on every call: a few per notice, and the sweep writes thousands of notices)."""
    value = getattr(case, name)
    return str(_choice_labels(type(case), name).get(value, value))


def case_context(case) -> dict:
    if case is None:
        return {
            key: ""
            for key in (
                "number",
                "title",
                "category",
                "category_code",
                "level",
                "status",
                "deadline",
                "address",
            )
        } | {"urgent": False}
    return {
        "number": case.number,
        "title": case.title or (case.description or "")[:30],
        "category": _display(case, "category"),
        "category_code": case.category,
        "level": _display(case, "level"),
        "status": _display(case, "status"),
        "deadline": _plain(case.deadline_at) or "",
        "address": case.address or "",
        "urgent": bool(case.urgent),
    }


def build_context(event: events.Event, case=None, **extra) -> dict:
    unit = extra.pop("unit", None)
    if unit is None and case is not None and case.handling_unit_id:
        unit = case.handling_unit
    actor = extra.pop("actor", None)
    context = {key: _plain(value) for key, value in extra.items()}
    context.update(
        case=case_context(case),
        unit=str(unit) if unit is not None else "",
        actor=str(actor) if actor is not None else "",
        event=event.name,
        sign=getattr(settings, "SMS_SIGNATURE", ""),
    )
    return context


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """A template is compiled once per process (a sweep renders the same few thousands of times);
    an admin's edit is a new source text, so it is compiled afresh."""
    return Template(source)


def render_string(source: str, context: dict) -> str:
    """Render one template as plain text; raises TemplateProblem on any failure."""
    if FORBIDDEN_TAGS.search(source or ""):
        raise TemplateProblem("模板中不能使用 include、extends、load、debug 标签")
    try:
        text = _compiled(source or "").render(Context(context, autoescape=False)).strip()
    except Exception as error:  # syntax errors, and the few tags that raise while rendering
        raise TemplateProblem(f"{type(error).__name__}: {error}") from error
    if UNCLOSED.search(text):
        raise TemplateProblem("模板中有未闭合的 {{ 或 {% 标记")
    return text


def _render_all(title: str, body: str, sms: str, context: dict) -> tuple[str, str, str]:
    rendered_title = render_string(title, context)[:TITLE_MAX]
    if not rendered_title:
        raise TemplateProblem("标题模板的结果为空")
    rendered_body = render_string(body, context)[:BODY_MAX]
    rendered_sms = render_string(sms, {**context, "title": rendered_title, "body": rendered_body})
    return rendered_title, rendered_body, rendered_sms[:SMS_MAX]


def render(event_code: str, context: dict, override=None) -> Rendered:
    """The event's title, body and text message; `override` is the admin's MessageTemplate (or
    None), used when active and falling back to the default when it does not render."""
    event = events.get(event_code)
    if override is not None and override.active:
        try:
            title, body, sms = _render_all(override.title, override.body, override.sms, context)
            return Rendered(title, body, sms, override.send_sms)
        except TemplateProblem as problem:
            logger.warning(
                "notices: the admin's template for %s does not render (%s); using the default",
                event_code,
                problem,
            )
            title, body, sms = _render_all(event.title, event.body, event.sms, context)
            return Rendered(title, body, sms, override.send_sms, fell_back=True)
    title, body, sms = _render_all(event.title, event.body, event.sms, context)
    return Rendered(title, body, sms, event.send_sms)


def sms_for(event_code: str, title: str, body: str, context: dict, override=None) -> tuple[str, bool]:
    """The text message for a notice whose title and body the caller wrote (notify()): the event's
    text-message template with that title and body; ("", False) when no message is wanted."""
    event = events.EVENTS.get(event_code)
    if event is None:
        return "", False
    context = {**context, "title": title, "body": body}
    use_override = override is not None and override.active
    if not (override.send_sms if use_override else event.send_sms):
        return "", False
    if use_override:
        try:
            return render_string(override.sms, context)[:SMS_MAX], True
        except TemplateProblem as problem:
            logger.warning(
                "notices: the admin's text-message template for %s does not render (%s); using the default",
                event_code,
                problem,
            )
    return render_string(event.sms, context)[:SMS_MAX], True


def sample_context(event_code: str) -> dict:
    """A made-up context to check and preview a template in the admin."""
    return {
        "case": {
            "number": "990102001-20260301-0001",
            "title": "邻里排水沟堵塞纠纷",
            "category": "邻里纠纷",
            "category_code": "neighbour",
            "level": "乡镇(街道)",
            "status": "办理中",
            "deadline": "2026-03-08 17:30",
            "address": "枫桥镇东村 3 组",
            "urgent": False,
        },
        "unit": "枫桥镇综治中心",
        "actor": "张主任",
        "event": events.get(event_code).name,
        "sign": getattr(settings, "SMS_SIGNATURE", ""),
        "note": "请于三日内上门调处",
        "stage": "办理",
        "due_at": "2026-03-08 17:30",
        "risk": 80,
        "reasons": ["扬言报复", "纠纷持续多年"],
        "rule": "涉稳重大事项",
        "days": 5,
        "granted": True,
        "what": "联席会议任务",
        "task": "组织双方调解",
        "subject": "山体滑坡",
    }


def check(title: str, body: str, sms: str, event_code: str) -> dict[str, str]:
    """Problems of an admin's templates, by field ("title", "body", "sms"); empty when fine."""
    context = sample_context(event_code)
    problems = {}
    rendered = {}
    for field, source in (("title", title), ("body", body)):
        try:
            rendered[field] = render_string(source, context)
        except TemplateProblem as problem:
            problems[field] = str(problem)
    if "title" not in problems and not rendered.get("title"):
        problems["title"] = "标题模板的结果为空"
    try:
        render_string(sms, {**context, "title": rendered.get("title", ""), "body": rendered.get("body", "")})
    except TemplateProblem as problem:
        problems["sms"] = str(problem)
    return problems
