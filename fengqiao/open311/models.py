"""API keys of client systems filing through Open311, and what a GeoReport request carries beyond
the case itself.

An ApiKey stores only the SHA-256 of the key (like accounts.ApiToken): the raw key is shown once,
when it is issued, and a leaked table grants nothing. A key is bound to a region subtree (where its
system may file and read requests) and to the channel its submissions carry.

RequestExtra holds the GeoReport fields a case has no column for. Personal data never lies here in
plaintext: names and phone numbers become an applicant party (encrypted by the people app) and the
e-mail address is stored only encrypted.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from fengqiao.cases.codes import Channel
from fengqiao.people import crypto

# A key's last use is written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    name = models.CharField("客户端系统", max_length=100, help_text="例如:市12345热线平台")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="授权区划",
        on_delete=models.PROTECT,
        related_name="open311_keys",
        db_column="region_code",
        help_text="该系统只能在此区划及其下级提交和查询诉求。",
    )
    channel = models.CharField(
        "来源渠道",
        max_length=20,
        choices=Channel.choices,
        default=Channel.OPEN311,
        help_text="经此密钥提交的事项所记的渠道;12345热线可用“12345热线”。",
    )
    digest = models.CharField("密钥摘要(SHA-256)", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "Open311 API 密钥"
        verbose_name_plural = "Open311 API 密钥"
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """A fresh raw key and its digest."""
        raw = secrets.token_urlsafe(32)
        return raw, key_digest(raw)

    @classmethod
    def issue(cls, name: str, region, channel: str = Channel.OPEN311, created_by=None) -> str:
        """Create a key for a client system; returns the raw key, which is not kept anywhere."""
        raw, digest = cls.new_secret()
        region_field = "region" if hasattr(region, "pk") else "region_id"
        cls.objects.create(
            name=name, channel=channel, digest=digest, created_by=created_by, **{region_field: region}
        )
        return raw

    @classmethod
    def authenticate(cls, raw: str | None) -> "ApiKey | None":
        """The unrevoked key with this raw value, or None."""
        if not raw or not isinstance(raw, str) or len(raw) > 200:
            return None
        key = cls.objects.active().select_related("region").filter(digest=key_digest(raw)).first()
        if key is None:
            return None
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            cls.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return key

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class RequestExtra(models.Model):
    """The GeoReport fields of a case filed through Open311."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="open311_extra"
    )
    api_key = models.ForeignKey(
        ApiKey, verbose_name="提交密钥", on_delete=models.PROTECT, related_name="requests"
    )
    media_url = models.URLField("媒体链接", max_length=1000, blank=True)
    address_id = models.CharField("地址编号", max_length=100, blank=True)
    device_id = models.CharField("设备编号", max_length=100, blank=True)
    account_id = models.CharField("客户端账号", max_length=100, blank=True)
    email_encrypted = models.TextField("电子邮箱(密文)", blank=True, default="", editable=False)
    attributes = models.JSONField("附加属性", default=dict, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311 诉求附加信息"
        verbose_name_plural = "Open311 诉求附加信息"

    def __str__(self):
        return f"Open311 {self.case_id}"

    @property
    def email(self) -> str:
        """The plaintext address; "" when none was given or no configured key opens it."""
        if not self.email_encrypted:
            return ""
        try:
            return crypto.decrypt(self.email_encrypted)
        except crypto.InvalidToken:
            return ""

    def set_email(self, email: str) -> None:
        self.email_encrypted = crypto.encrypt(email) if email else ""


def rotate_encrypted(batch_size: int = 500) -> int:
    """Re-encrypt every stored e-mail address with the newest data key (run by `fengqiao rotatekeys`)."""
    return crypto.rotate_table(RequestExtra, ["email_encrypted"], batch_size)
