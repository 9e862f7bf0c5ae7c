"""Units (centres, departments, mediation bodies), users and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .roles import READ_ONLY_ROLES, Role


class Unit(models.Model):
    """A body a case can be dispatched to: a governance centre at some level, a department, a
    mediation body. It sits in a region; its level follows from that region's kind."""

    class Kind(models.TextChoices):
        CENTRE = "centre", "综治中心"
        DEPARTMENT = "department", "职能部门"
        MEDIATION = "mediation", "调解组织"
        JUDICIAL = "judicial", "政法机关"
        OTHER = "other", "其他"

    class Department(models.TextChoices):
        NONE = "", "—"
        PUBLIC_SECURITY = "public_security", "公安"
        COURT = "court", "法院"
        PROCURATORATE = "procuratorate", "检察院"
        JUSTICE = "justice", "司法行政"
        PETITION = "petition", "信访"
        HUMAN_RESOURCES = "human_resources", "人力资源和社会保障"
        HOUSING = "housing", "住房和城乡建设"
        NATURAL_RESOURCES = "natural_resources", "自然资源"
        ENVIRONMENT = "environment", "生态环境"
        MARKET = "market", "市场监督管理"
        HEALTH = "health", "卫生健康"
        EMERGENCY = "emergency", "应急管理"
        CIVIL_AFFAIRS = "civil_affairs", "民政"
        EDUCATION = "education", "教育"
        WOMEN = "women", "妇联"
        DISCIPLINE = "discipline", "纪检监察"
        AGRICULTURE = "agriculture", "农业农村"
        TRANSPORT = "transport", "交通运输"
        PSYCHOLOGY = "psychology", "心理服务"

    code = models.CharField("机构编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    department = models.CharField("部门", max_length=24, choices=Department.choices, blank=True, default="")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在区划",
        on_delete=models.PROTECT,
        related_name="units",
        db_column="region_code",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["region_id", "kind", "code"]
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self):
        return self.name

    @property
    def level(self) -> str:
        return self.region.kind


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.CITIZEN)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        db_column="region_code",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        self.is_staff = self.is_superuser or self.role == Role.ADMIN
        super().save(*args, **kwargs)
        from django.contrib.auth.models import Group

        group, _ = Group.objects.get_or_create(name=self.role)
        if list(self.groups.values_list("name", flat=True)) != [self.role]:
            self.groups.set([group])

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def region_code(self) -> str | None:
        return self.region_id


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored: a leaked table grants nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    label = models.CharField(max_length=100, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    @classmethod
    def issue(cls, user, label: str = "", days: int | None = None) -> str:
        raw = secrets.token_urlsafe(32)
        days = settings.API_TOKEN_DAYS if days is None else days
        cls.objects.create(
            user=user, digest=_digest(raw), label=label, expires_at=timezone.now() + timedelta(days=days)
        )
        return raw

    @classmethod
    def authenticate(cls, raw: str):
        """The active user holding this token, or None."""
        token = cls.objects.usable().select_related("user__region").filter(digest=_digest(raw)).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
