"""Pages of the legal and psychological services. Thin: forms shape the input, actions write,
selectors scope; a record outside the user's area or role answers 404."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fengqiao import clock as wallclock
from fengqiao.cases.deadlines import LOCAL
from fengqiao.errors import FieldError

from . import actions, scoring, stats
from .api import villages_with_advisers
from .forms import (
    AdviserForm,
    AidForm,
    ConclusionForm,
    ConsultationForm,
    CrisisForm,
    DecisionForm,
    NoteForm,
    ScreeningForm,
    SessionForm,
    ShiftForm,
)
from .models import Crisis, LegalAidApplication, Provider
from .selectors import (
    get_or_404,
    is_counsellor,
    may_decide_aid,
    may_manage,
    may_read_notes,
    may_see_legal,
    may_see_psych,
    may_see_services,
    provider_of,
    visible_aid_applications,
    visible_consultations,
    visible_crises,
    visible_providers,
    visible_screenings,
    visible_sessions,
    visible_shifts,
)

PAGE = 50


def _require(allowed: bool):
    if not allowed:
        raise PermissionDenied


def _refusal(request, error: FieldError):
    messages.error(request, f"未能保存({error.field}):{error.reason}")


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def _local_day_bounds(days_back: int):
    today = wallclock.now().astimezone(LOCAL).date()
    start = datetime.combine(today - timedelta(days=days_back), time(0), tzinfo=LOCAL)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=LOCAL)
    return start, end


# ------------------------------------------------------------------------------------ overview


@login_required
def home(request):
    user = request.user
    _require(may_see_services(user))
    now = wallclock.now()
    on_duty = visible_shifts(user).filter(starts_at__lte=now, ends_at__gt=now)
    figures = None
    if user.region_id:
        start, end = _local_day_bounds(364)
        figures = stats.figures(user.region_id, start, end)
    return render(
        request,
        "services/home.html",
        {
            "on_duty": on_duty,
            "figures": figures,
            "may_legal": may_see_legal(user),
            "may_psych": may_see_psych(user),
            "provider": provider_of(user),
        },
    )


def panel_context(user) -> dict:
    """The home-page panel: open crises and follow-ups due, for those who may see them."""
    if not may_see_psych(user):
        return {"services_crises": [], "services_may_psych": False}
    open_crises = visible_crises(user).filter(status=Crisis.Status.OPEN).prefetch_related("follow_ups")[:10]
    now = wallclock.now()
    for crisis in open_crises:
        crisis.overdue = [f for f in crisis.follow_ups.all() if f.done_at is None and f.due_at < now]
    return {"services_crises": open_crises, "services_may_psych": True}


# ------------------------------------------------------------------------------------ legal


@login_required
@require_http_methods(["GET", "POST"])
def consultations(request):
    user = request.user
    _require(may_see_legal(user))
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = actions.record_consultation(
                user,
                person=form.person(),
                channel=data["channel"],
                topic=data["topic"],
                question=data["question"],
                answer=data["answer"],
                referral=data["referral"],
                referral_note=data["referral_note"],
                case_number=data["case_number"] or None,
            )
        except FieldError as error:
            _refusal(request, error)
        else:
            messages.success(request, f"已登记法律咨询 #{consultation.pk}")
            application = getattr(consultation, "aid_application", None)
            if application is not None:
                return redirect("services-aid-detail", pk=application.pk)
            return redirect("services-consultations")
    rows = visible_consultations(user)
    topic = request.GET.get("topic")
    if topic:
        rows = rows.filter(topic=topic)
    return render(
        request, "services/consultations.html", {"form": form, "rows": rows[:PAGE], "total": rows.count()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_aid(request):
    user = request.user
    _require(may_see_legal(user))
    form = AidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = actions.apply_legal_aid(
                user,
                applicant=form.person(),
                topic=data["topic"],
                matter=data["matter"],
                case_number=data["case_number"] or None,
            )
        except FieldError as error:
            _refusal(request, error)
        else:
            messages.success(request, f"已登记法律援助申请 #{application.pk}")
            return redirect("services-aid-detail", pk=application.pk)
    rows = visible_aid_applications(user)
    status = request.GET.get("status")
    if status:
        rows = rows.filter(status=status)
    now = wallclock.now()
    rows = list(rows[:PAGE])
    for row in rows:
        row.decision_overdue = row.decided_at is None and now > row.decision_due
    return render(
        request,
        "services/legal_aid.html",
        {"form": form, "rows": rows, "statuses": LegalAidApplication.Status.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def aid_detail(request, pk):
    user = request.user
    application = get_or_404(visible_aid_applications(user), pk)
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "decide":
                form = DecisionForm(request.POST)
                if form.is_valid():
                    actions.decide_legal_aid(user, application, **form.cleaned_data)
            elif op == "assign":
                actions.assign_legal_aid(user, application, lawyer_id=int(request.POST.get("lawyer") or 0))
            elif op == "conclude":
                form = ConclusionForm(request.POST)
                if form.is_valid():
                    actions.conclude_legal_aid(user, application, **form.cleaned_data)
        except FieldError as error:
            _refusal(request, error)
        return redirect("services-aid-detail", pk=application.pk)
    lawyers = visible_providers(user).filter(kind__in=Provider.LEGAL_KINDS, active=True)
    lawyer = provider_of(user)
    return render(
        request,
        "services/aid_detail.html",
        {
            "application": application,
            "decision_overdue": application.decided_at is None and wallclock.now() > application.decision_due,
            "may_decide": may_decide_aid(user),
            "may_conclude": may_decide_aid(user)
            or (lawyer is not None and lawyer.pk == application.lawyer_id),
            "decision_form": DecisionForm(),
            "conclusion_form": ConclusionForm(),
            "lawyers": lawyers,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster(request):
    user = request.user
    _require(may_see_services(user))
    providers = list(visible_providers(user).filter(active=True))
    form = ShiftForm(request.POST or None, providers=providers)
    if request.method == "POST":
        _require(may_manage(user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.add_shift(
                    user,
                    provider_id=data["provider"],
                    place=data["place"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                )
            except FieldError as error:
                _refusal(request, error)
            else:
                messages.success(request, "已加入值班表")
                return redirect("services-roster")
    start, _ = _local_day_bounds(0)
    shifts = visible_shifts(user).filter(ends_at__gt=start, starts_at__lt=start + timedelta(days=7))
    return render(
        request,
        "services/roster.html",
        {"form": form, "shifts": shifts, "providers": providers, "may_manage": may_manage(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_advisers(request):
    user = request.user
    _require(may_see_services(user))
    villages = villages_with_advisers(user)
    form = AdviserForm(request.POST or None, villages=villages)
    if request.method == "POST":
        _require(may_manage(user))
        if form.is_valid():
            try:
                actions.set_village_adviser(user, **form.cleaned_data)
            except FieldError as error:
                _refusal(request, error)
            else:
                messages.success(request, "已更新三官一律")
                return redirect("services-village-advisers")
    complete = sum(1 for v in villages if v["complete"])
    return render(
        request,
        "services/village_advisers.html",
        {"villages": villages, "complete": complete, "form": form, "may_manage": may_manage(user)},
    )


# ------------------------------------------------------------------------------------ psychological


@login_required
def psych(request):
    user = request.user
    _require(may_see_psych(user))
    return render(
        request,
        "services/psych.html",
        {
            "sessions": visible_sessions(user)[:PAGE],
            "screenings": visible_screenings(user)[:PAGE],
            "crises": visible_crises(user)[:PAGE],
            "is_counsellor": is_counsellor(user),
            "instruments": scoring.INSTRUMENTS.values(),
            "crisis_form": CrisisForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_session(request):
    user = request.user
    _require(is_counsellor(user))
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = actions.record_session(
                user,
                person=form.person(),
                kind=data["kind"],
                issue=data["issue"],
                minutes=data["minutes"],
                notes=data["notes"],
                held_at=data["held_at"],
                case_number=data["case_number"] or None,
            )
        except FieldError as error:
            _refusal(request, error)
        else:
            return redirect("services-session", pk=session.pk)
    return render(request, "services/session_form.html", {"form": form})


@login_required
def session_detail(request, pk):
    user = request.user
    session = get_or_404(visible_sessions(user), pk)
    notes = None
    if may_read_notes(user):
        notes = actions.read_notes(user, session, via="page", ip=_ip(request))
    return render(request, "services/session.html", {"session": session, "notes": notes})


@login_required
@require_http_methods(["GET", "POST"])
def new_screening(request, instrument):
    user = request.user
    _require(may_see_psych(user))
    spec = scoring.INSTRUMENTS.get(instrument)
    if spec is None:
        from django.http import Http404

        raise Http404("no such instrument")
    form = ScreeningForm(request.POST or None, instrument=spec)
    if request.method == "POST" and form.is_valid():
        try:
            screening = actions.record_screening(
                user,
                person=form.person(),
                instrument=spec.code,
                answers=form.answers(),
                case_number=form.cleaned_data["case_number"] or None,
            )
        except FieldError as error:
            _refusal(request, error)
        else:
            return redirect("services-screening", pk=screening.pk)
    return render(request, "services/screening_form.html", {"form": form, "instrument": spec})


@login_required
def screening_detail(request, pk):
    screening = get_or_404(visible_screenings(request.user), pk)
    spec = scoring.INSTRUMENTS[screening.instrument]
    items = list(zip(spec.items, screening.answers, strict=False))
    labels = dict(scoring.ANSWER_CHOICES)
    return render(
        request,
        "services/screening.html",
        {
            "screening": screening,
            "instrument": spec,
            "items": [(text, answer, labels[answer]) for text, answer in items],
        },
    )


@login_required
@require_http_methods(["POST"])
def declare_crisis(request):
    user = request.user
    _require(may_see_psych(user))
    form = CrisisForm(request.POST)
    if form.is_valid():
        try:
            crisis = actions.declare_crisis(
                user,
                reason=form.cleaned_data["reason"],
                case_number=form.cleaned_data["case_number"] or None,
                person=form.person() if form.cleaned_data["name"] else None,
            )
        except FieldError as error:
            _refusal(request, error)
        else:
            return redirect("services-crisis", pk=crisis.pk)
    else:
        messages.error(request, "请填写发起原因")
    return redirect("services-psych")


@login_required
@require_http_methods(["GET", "POST"])
def crisis_detail(request, pk):
    user = request.user
    crisis = get_or_404(visible_crises(user), pk)
    contact = None
    if request.method == "POST" and request.POST.get("op") == "contact":
        try:
            contact = actions.reveal_contact(user, crisis, ip=_ip(request))
        except FieldError as error:
            _refusal(request, error)
    elif request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                if request.POST.get("op") == "close":
                    actions.close_crisis(user, crisis, note=form.cleaned_data["note"])
                else:
                    follow_up = get_or_404(crisis.follow_ups.all(), request.POST.get("follow_up"))
                    actions.complete_follow_up(user, follow_up, note=form.cleaned_data["note"])
            except FieldError as error:
                _refusal(request, error)
        else:
            messages.error(request, "请填写情况说明")
        return redirect("services-crisis", pk=crisis.pk)
    now = wallclock.now()
    follow_ups = list(crisis.follow_ups.all())
    for follow_up in follow_ups:
        follow_up.overdue = follow_up.done_at is None and follow_up.due_at < now
    return render(
        request,
        "services/crisis.html",
        {
            "crisis": crisis,
            "follow_ups": follow_ups,
            "is_counsellor": is_counsellor(user),
            "contact": contact,
            "sessions": visible_sessions(user).filter(crisis=crisis),
        },
    )
