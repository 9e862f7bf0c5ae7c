"""The GeoReport v2 endpoints (see the package docstring for what is public and what needs a key).

Every view takes the format from the URL (`.json` or `.xml`) and answers errors in the
specification's error format with the matching HTTP status.
"""

import json
import math
import uuid
from datetime import datetime, time, timedelta

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from fengqiao.cases.actions import Intake, IntakeError, PartyInput, create_case
from fengqiao.cases.codes import Category, Level, PartyRole, Status, Track
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import Case
from fengqiao.people.validation import InvalidPersonalData
from fengqiao.regions import codes as region_codes
from fengqiao.regions import locate as grid_locate
from fengqiao.regions.models import Region

from . import services
from .models import ApiKey, RequestExtra
from .redact import redact
from .render import Open311Error, error_response, iso, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)
MAX_SPAN = timedelta(days=90)
CLOSED_STATUSES = (Status.CLOSED, Status.REJECTED)

MAX_DESCRIPTION = 4000  # the specification's limit
MAX_ADDRESS = 200  # Case.address
MAX_IDENTIFIER = 100  # address_id, device_id, account_id
MAX_NAME = 50  # Person.name
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_VALUE = 1000
MAX_MEDIA_URL = 1000

BAD_REQUEST = 400
FORBIDDEN = 403
NOT_FOUND = 404
TOO_LARGE = 413

_url_validator = URLValidator(schemes=["http", "https"])


def _guard(view):
    """Turn an Open311Error raised anywhere in the view into the specification's error body."""

    def wrapped(request, fmt, *args, **kwargs):
        try:
            return view(request, fmt, *args, **kwargs)
        except Open311Error as error:
            return error_response(fmt, error)
        except RequestDataTooBig:
            return error_response(fmt, Open311Error((TOO_LARGE, "the request body is too large")))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# ---------------------------------------------------------------------------------------- keys


def _raw_key(request, params: dict | None = None) -> str | None:
    raw = (params or {}).get("api_key") or request.GET.get("api_key") or request.headers.get("X-Api-Key")
    return raw.strip() if isinstance(raw, str) else None


def _require_key(request, params: dict | None = None, purpose: str = "") -> ApiKey:
    raw = _raw_key(request, params)
    if not raw:
        raise Open311Error((FORBIDDEN, f"api_key was not provided{purpose}"))
    key = ApiKey.authenticate(raw)
    if key is None:
        raise Open311Error((FORBIDDEN, f"invalid api_key received{purpose}"))
    return key


# ---------------------------------------------------------------------------------------- discovery and services


@_guard
@require_GET
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0]
    data = {
        "changeset": services.CHANGESET,
        "contact": "平台管理员(综治中心)",
        "key_service": "API 密钥由平台管理员签发:后台“Open311 API 密钥”或命令 fengqiao issueapikey",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": services.CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


@_guard
@require_GET
def service_list(request, fmt):
    return respond(fmt, "services", services.service_list())


@_guard
@require_GET
def service_definition(request, fmt, service_code):
    if not services.is_service(service_code):
        raise Open311Error((NOT_FOUND, "service_code provided was not found"))
    return respond(fmt, "service_definition", services.service_definition(service_code))


# ---------------------------------------------------------------------------------------- requests: output


def _extra(case: Case) -> RequestExtra | None:
    try:
        return case.open311_extra
    except RequestExtra.DoesNotExist:
        return None


def open311_status(case: Case) -> str:
    return "closed" if case.status in CLOSED_STATUSES else "open"


def request_dict(case: Case) -> dict:
    """A case as a GeoReport service request. Deliberately without any personal data: no party,
    name, phone, e-mail, device or account identifier, no free-text notes of the staff, and phone
    and ID-card numbers typed into the description or address are masked."""
    extra = _extra(case)
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": Status(case.status).label,
        "service_name": Category(case.category).label,
        "service_code": case.category,
        "description": redact(case.description),
        "agency_responsible": case.handling_unit.name if case.handling_unit_id else None,
        "service_notice": f"办理方式:{Track(case.track).label};办理层级:{Level(case.level).label}",
        "requested_datetime": iso(case.reported_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.deadline_at),
        "address": redact(case.address) or None,
        "address_id": (extra.address_id or None) if extra else None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": (extra.media_url or None) if extra else None,
    }


def _visible(key: ApiKey):
    return Case.objects.filter(region_codes.subtree_q("region_id", key.region_id)).select_related(
        "handling_unit", "open311_extra"
    )


# ---------------------------------------------------------------------------------------- requests: reading


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_when(name: str, value: str, end_of_day: bool = False) -> datetime:
    text = value.strip()
    # An unescaped "+" of the offset arrives as a space in a query string.
    candidates = [text, text.replace(" ", "+")] if " " in text else [text]
    for candidate in candidates:
        try:
            moment = parse_datetime(candidate)
        except ValueError:
            moment = None
        if moment is not None:
            return moment if timezone.is_aware(moment) else moment.replace(tzinfo=LOCAL)
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is not None:
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=LOCAL)
    raise Open311Error((BAD_REQUEST, f"{name} is not an ISO 8601 date/time: {value[:40]}"))


def _window(params) -> tuple[datetime, datetime]:
    start_raw = params.get("start_date", "").strip()
    end_raw = params.get("end_date", "").strip()
    start = _parse_when("start_date", start_raw) if start_raw else None
    end = _parse_when("end_date", end_raw, end_of_day=True) if end_raw else None
    if start is None and end is None:
        end = timezone.now()
        start = end - DEFAULT_SPAN
    elif start is None:
        start = end - DEFAULT_SPAN
    elif end is None:
        end = start + DEFAULT_SPAN
    if end < start:
        raise Open311Error((BAD_REQUEST, "end_date is before start_date"))
    if end - start > MAX_SPAN + timedelta(days=1):
        raise Open311Error((BAD_REQUEST, "start_date and end_date may not span more than 90 days"))
    return start, end


def _filtered(key: ApiKey, params):
    cases = _visible(key)
    ids = _split(params.get("service_request_id", ""))
    if ids:  # the specification: a list of ids overrides every other filter
        return cases.filter(number__in=ids[:MAX_RESULTS])
    cases = cases.filter(merged_into__isnull=True)
    codes = _split(params.get("service_code", ""))
    unknown = [code for code in codes if not services.is_service(code)]
    if unknown:
        raise Open311Error((BAD_REQUEST, f"service_code not found: {', '.join(unknown)[:200]}"))
    if codes:
        cases = cases.filter(category__in=codes)
    statuses = {status.lower() for status in _split(params.get("status", ""))}
    if statuses - {"open", "closed"}:
        raise Open311Error((BAD_REQUEST, "status must be open or closed (or both, comma-separated)"))
    if statuses == {"open"}:
        cases = cases.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        cases = cases.filter(status__in=CLOSED_STATUSES)
    start, end = _window(params)
    return cases.filter(reported_at__gte=start, reported_at__lte=end)


def _list_requests(request, fmt):
    key = _require_key(request)
    cases = _filtered(key, request.GET).order_by("-reported_at", "-id")[:MAX_RESULTS]
    return respond(fmt, "service_requests", [request_dict(case) for case in cases])


@_guard
@require_GET
def request_detail(request, fmt, service_request_id):
    key = _require_key(request)
    case = _visible(key).filter(number=service_request_id).first()
    if case is None:  # the same answer whether it does not exist or lies outside the key's region
        raise Open311Error((NOT_FOUND, "service_request_id provided was not found"))
    return respond(fmt, "service_requests", [request_dict(case)])


# ---------------------------------------------------------------------------------------- requests: filing


def _scalar(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Open311Error((BAD_REQUEST, f"{name} must be a string"))
    return str(value)


def _posted(request) -> tuple[dict[str, str], dict]:
    """The posted fields (form-encoded as the specification says, or a JSON object) as strings,
    and the attribute[…] values apart."""
    fields: dict[str, str] = {}
    attributes: dict = {}
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise Open311Error((BAD_REQUEST, "the body is not valid JSON")) from None
        if not isinstance(body, dict):
            raise Open311Error((BAD_REQUEST, "the JSON body must be an object"))
        for name, value in body.items():
            if name == "attribute" and isinstance(value, dict):
                attributes.update({str(code): item for code, item in value.items()})
            elif name.startswith("attribute[") and name.endswith("]"):
                attributes[name[len("attribute[") : -1].removesuffix("][")] = value
            else:
                fields[name] = _scalar(name, value)
    else:
        for name in request.POST:
            values = request.POST.getlist(name)
            if name.startswith("attribute["):
                code = name[len("attribute[") :].removesuffix("[]").removesuffix("]")
                attributes[code] = values if name.endswith("[]") or len(values) > 1 else values[-1]
            else:
                fields[name] = values[-1]
    return {name: value.strip() for name, value in fields.items()}, attributes


def _clean_attributes(attributes: dict, problems: list) -> dict:
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append((BAD_REQUEST, f"attribute: at most {MAX_ATTRIBUTES} attributes"))
        return {}
    cleaned = {}
    for code, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        if (
            not code
            or len(code) > MAX_IDENTIFIER
            or not all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in values)
            or any(len(str(item)) > MAX_ATTRIBUTE_VALUE for item in values)
        ):
            problems.append((BAD_REQUEST, f"attribute[{code[:40]}] is not a valid attribute value"))
            continue
        cleaned[code] = [str(item) for item in value] if isinstance(value, list) else str(value)
    return cleaned


def _coordinate(name: str, raw: str, limit: float, problems: list) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        problems.append((BAD_REQUEST, f"{name} must be a number from -{limit:g} to {limit:g}"))
        return None
    return value


def _covers(region: Region, lat: float, lng: float) -> bool:
    if not region.polygon:
        return False
    from shapely.geometry import Point, shape

    return shape(region.polygon).covers(Point(lng, lat))


def _place(fields: dict, key: ApiKey, problems: list) -> dict:
    """Where the request lies, as Intake fields; problems name lat/long, address_string or region_code."""
    lat_raw, lng_raw = fields.get("lat", ""), fields.get("long", "")
    address = fields.get("address_string", "")
    address_id = fields.get("address_id", "")
    place = {"lat": None, "lng": None, "address": address, "region_code": key.region_id}

    region_code = fields.get("region_code", "")  # extension: name a region inside the key's
    if region_code:
        if not region_codes.is_valid(region_code) or not region_codes.in_subtree(region_code, key.region_id):
            problems.append((BAD_REQUEST, "region_code is not a region inside the area of this api_key"))
            return place
        if not Region.objects.filter(code=region_code).exists():
            problems.append((BAD_REQUEST, "region_code provided was not found"))
            return place
        place["region_code"] = region_code

    if len(address) > MAX_ADDRESS:
        problems.append((BAD_REQUEST, f"address_string is longer than {MAX_ADDRESS} characters"))
    if len(address_id) > MAX_IDENTIFIER:
        problems.append((BAD_REQUEST, f"address_id is longer than {MAX_IDENTIFIER} characters"))

    if lat_raw or lng_raw:
        if not (lat_raw and lng_raw):
            problems.append((BAD_REQUEST, "lat/long: both lat and long must be provided"))
            return place
        lat = _coordinate("lat", lat_raw, 90, problems)
        lng = _coordinate("long", lng_raw, 180, problems)
        if lat is None or lng is None:
            return place
        scope = place["region_code"]
        grid = grid_locate.locate(lat, lng)
        if grid is not None and not region_codes.in_subtree(grid, scope):
            where = "region_code" if scope != key.region_id else "the area this api_key may file into"
            problems.append((BAD_REQUEST, f"lat/long lies outside {where}"))
        elif grid is None and not _covers(
            key.region if scope == key.region_id else Region.objects.get(code=scope), lat, lng
        ):
            problems.append((BAD_REQUEST, "lat/long lies outside every grid of the area of this api_key"))
        else:
            place.update(lat=lat, lng=lng)
    elif not address and not address_id:
        problems.append((BAD_REQUEST, "lat/long, address_string or address_id was not provided"))
    return place


def _full_name(first: str, last: str) -> str:
    if first.isascii() and last.isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"


def _applicant(fields: dict, problems: list) -> list[PartyInput]:
    name = _full_name(fields.get("first_name", ""), fields.get("last_name", ""))
    phone = fields.get("phone", "")
    if phone and not name:
        problems.append((BAD_REQUEST, "first_name or last_name must be provided with phone"))
        return []
    if len(name) > MAX_NAME:
        problems.append((BAD_REQUEST, f"first_name/last_name are longer than {MAX_NAME} characters"))
        return []
    return [PartyInput(name=name, role=PartyRole.APPLICANT, phone=phone)] if name else []


def _extras(fields: dict, attributes: dict, problems: list) -> dict:
    extras = {"attributes": _clean_attributes(attributes, problems)}
    for name in ("device_id", "account_id"):
        value = fields.get(name, "")
        if len(value) > MAX_IDENTIFIER:
            problems.append((BAD_REQUEST, f"{name} is longer than {MAX_IDENTIFIER} characters"))
        extras[name] = value[:MAX_IDENTIFIER]
    extras["address_id"] = fields.get("address_id", "")[:MAX_IDENTIFIER]
    media_url = fields.get("media_url", "")
    if media_url:
        try:
            if len(media_url) > MAX_MEDIA_URL:
                raise ValidationError("too long")
            _url_validator(media_url)
        except ValidationError:
            problems.append((BAD_REQUEST, "media_url is not a valid http(s) URL"))
    extras["media_url"] = media_url
    email = fields.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append((BAD_REQUEST, "email is not a valid e-mail address"))
    extras["email"] = email
    return extras


def _intake(fields: dict, attributes: dict, key: ApiKey) -> tuple[Intake, dict]:
    problems: list[tuple[int, str]] = []
    service_code = fields.get("service_code", "")
    if not service_code:
        problems.append((BAD_REQUEST, "service_code was not provided"))
    elif not services.is_service(service_code):
        problems.append((NOT_FOUND, "service_code provided was not found"))
    description = fields.get("description", "")
    if not description:
        problems.append((BAD_REQUEST, "description was not provided"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append((BAD_REQUEST, f"description is longer than {MAX_DESCRIPTION} characters"))
    place = _place(fields, key, problems)
    parties = _applicant(fields, problems)
    extras = _extras(fields, attributes, problems)
    client_id = None
    if fields.get("client_id"):
        try:
            client_id = uuid.UUID(fields["client_id"])
        except ValueError:
            problems.append((BAD_REQUEST, "client_id is not a UUID"))
    if problems:
        raise Open311Error(*problems)
    intake = Intake(
        channel=key.channel,
        description=description,
        category=service_code,
        parties=parties,
        client_id=client_id,
        **place,
    )
    return intake, extras


def _field_of(error_field: str, intake: Intake) -> str:
    """The Open311 name of a field create_case or the people app complained about."""
    if error_field in ("region_code", "location"):
        return "lat/long" if intake.lat is not None else "address_string"
    if error_field == "name":
        return "first_name/last_name"
    return error_field


def _file(request, fmt):
    fields, attributes = _posted(request)
    key = _require_key(request, fields, " -- can't proceed with create_request")
    intake, extras = _intake(fields, attributes, key)
    try:
        with transaction.atomic():
            case, created = create_case(intake, actor=None, ip=client_ip(request))
            if created:
                extra = RequestExtra(
                    case=case,
                    api_key=key,
                    media_url=extras["media_url"],
                    address_id=extras["address_id"],
                    device_id=extras["device_id"],
                    account_id=extras["account_id"],
                    attributes=extras["attributes"],
                )
                extra.set_email(extras["email"])
                extra.save()
    except (IntakeError, InvalidPersonalData) as error:
        raise Open311Error((BAD_REQUEST, f"{_field_of(error.field, intake)}: {error.reason}")) from None
    if not created:
        # A replayed client_id answers with the first request, but only to the key that filed it.
        extra = _extra(case)
        if extra is None or extra.api_key_id != key.pk:
            raise Open311Error((BAD_REQUEST, "client_id was already used for another request"))
    unit = case.handling_unit.name if case.handling_unit_id else "综治中心"
    deadline = case.deadline_at.astimezone(LOCAL).strftime("%Y-%m-%d") if case.deadline_at else None
    notice = f"已登记为事项 {case.number},由{unit}办理" + (f",办理时限至 {deadline}" if deadline else "")
    data = [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
    return respond(fmt, "service_requests", data, status=201 if created else 200)


@csrf_exempt
@_guard
@require_http_methods(["GET", "HEAD", "POST"])
def requests_collection(request, fmt):
    """GET: service requests in the key's region; POST: file a new one."""
    if request.method == "POST":
        return _file(request, fmt)
    return _list_requests(request, fmt)
