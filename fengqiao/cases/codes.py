"""The case vocabulary of CONTRACT.md: channels, levels, statuses, tracks, categories."""

from django.db import models


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    GRID = "grid", "网格上报"
    PORTAL = "portal", "群众网上提交"
    HOTLINE = "hotline", "12345热线"
    POLICE = "police", "纠纷类警情"
    COURT = "court", "法院诉前调解"
    PETITION_BUREAU = "petition_bureau", "信访转办"
    OPEN311 = "open311", "Open311接口"


class Level(models.TextChoices):
    VILLAGE = "village", "村(社区)级"
    TOWN = "town", "乡镇(街道)级"
    COUNTY = "county", "县级"
    CITY = "city", "市级"


LEVEL_ORDER = [Level.VILLAGE, Level.TOWN, Level.COUNTY, Level.CITY]
# The region kind whose centre handles a case at each level.
LEVEL_REGION_KIND = {
    Level.VILLAGE: "village",
    Level.TOWN: "township",
    Level.COUNTY: "county",
    Level.CITY: "city",
}
REGION_KIND_LEVEL = {
    "grid": Level.VILLAGE,
    "compound": Level.VILLAGE,
    "building": Level.VILLAGE,
    "village": Level.VILLAGE,
    "township": Level.TOWN,
    "county": Level.COUNTY,
    "city": Level.CITY,
    "province": Level.CITY,
}


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


class Status(models.TextChoices):
    REPORTED = "reported", "待受理"
    ACCEPTED = "accepted", "已受理"
    DISPATCHED = "dispatched", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    RESOLVED = "resolved", "已办结待核查"
    VERIFIED = "verified", "已核查待评价"
    CLOSED = "closed", "已结案"
    REJECTED = "rejected", "不予受理"


OPEN_STATUSES = frozenset({Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS})
SETTLED_STATUSES = frozenset({Status.RESOLVED, Status.VERIFIED, Status.CLOSED})


class Track(models.TextChoices):
    IMMEDIATE = "immediate", "即接即办"
    MEDIATION = "mediation", "调解"
    PETITION = "petition", "信访程序"
    JUDICIAL = "judicial", "司法/纪检程序"
    LEGAL_SERVICE = "legal_service", "法律服务"
    PSYCHOLOGICAL = "psychological", "心理疏导"
    POLICE = "police", "公安处置"
    DEPARTMENT = "department", "部门办理"
    JOINT = "joint", "联调联处"


class Category(models.TextChoices):
    MARRIAGE_FAMILY = "marriage_family", "婚姻家庭纠纷"
    NEIGHBOUR = "neighbour", "邻里纠纷"
    HOMESTEAD_HOUSING = "homestead_housing", "房屋宅基地纠纷"
    CONTRACT_DEBT = "contract_debt", "合同债务纠纷"
    BUSINESS = "business", "生产经营纠纷"
    DAMAGES = "damages", "损害赔偿纠纷"
    LAND_FOREST = "land_forest", "山林土地纠纷"
    LAND_ACQUISITION = "land_acquisition", "征地拆迁纠纷"
    ENVIRONMENT = "environment", "环境污染纠纷"
    LABOUR_WAGES = "labour_wages", "劳动争议纠纷(含欠薪)"
    MEDICAL = "medical", "医疗纠纷"
    PROPERTY_MGMT = "property_mgmt", "物业纠纷"
    TRAFFIC = "traffic", "交通事故纠纷"
    CONSUMER = "consumer", "消费纠纷"
    VILLAGE_AFFAIRS = "village_affairs", "村务管理纠纷"
    OTHER_DISPUTE = "other_dispute", "其他纠纷"
    PETITION = "petition", "信访事项"
    LEGAL_CONSULT = "legal_consult", "法律咨询"
    PSYCH_SUPPORT = "psych_support", "心理援助"
    PUBLIC_SECURITY = "public_security", "治安刑事警情"
    SAFETY_HAZARD = "safety_hazard", "安全隐患"
    PUBLIC_SERVICE = "public_service", "民生诉求"
    STABILITY_INTEL = "stability_intel", "涉稳线索"
    LITIGATION = "litigation", "涉法涉诉"
    DISCIPLINE = "discipline", "涉纪问题"


DEFAULT_TRACK = {
    Category.MARRIAGE_FAMILY: Track.MEDIATION,
    Category.NEIGHBOUR: Track.MEDIATION,
    Category.HOMESTEAD_HOUSING: Track.MEDIATION,
    Category.CONTRACT_DEBT: Track.MEDIATION,
    Category.BUSINESS: Track.MEDIATION,
    Category.DAMAGES: Track.MEDIATION,
    Category.LAND_FOREST: Track.MEDIATION,
    Category.LAND_ACQUISITION: Track.JOINT,
    Category.ENVIRONMENT: Track.DEPARTMENT,
    Category.LABOUR_WAGES: Track.DEPARTMENT,
    Category.MEDICAL: Track.MEDIATION,
    Category.PROPERTY_MGMT: Track.MEDIATION,
    Category.TRAFFIC: Track.MEDIATION,
    Category.CONSUMER: Track.DEPARTMENT,
    Category.VILLAGE_AFFAIRS: Track.MEDIATION,
    Category.OTHER_DISPUTE: Track.MEDIATION,
    Category.PETITION: Track.PETITION,
    Category.LEGAL_CONSULT: Track.LEGAL_SERVICE,
    Category.PSYCH_SUPPORT: Track.PSYCHOLOGICAL,
    Category.PUBLIC_SECURITY: Track.POLICE,
    Category.SAFETY_HAZARD: Track.DEPARTMENT,
    Category.PUBLIC_SERVICE: Track.DEPARTMENT,
    Category.STABILITY_INTEL: Track.JOINT,
    Category.LITIGATION: Track.JUDICIAL,
    Category.DISCIPLINE: Track.JUDICIAL,
}


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    RESPONDENT = "respondent", "被申请人"
    OTHER = "other", "其他当事人"
