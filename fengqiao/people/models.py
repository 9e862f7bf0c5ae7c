"""One file per person (一人一档) and the audit of every look at their unmasked data.

A Person's ID-card and phone numbers are stored only encrypted, each beside a keyed hash of its
normalised form; lookups and de-duplication go through the hash, so no query needs the plaintext.
Parties, register entries and visits all point at the Person.
"""

import re

from django.conf import settings
from django.db import models
from pypinyin import lazy_pinyin

from . import crypto
from .validation import mask_id_number, mask_name, mask_phone, normalise_id_number, normalise_phone

PINYIN_LENGTH = 255


def name_to_pinyin(name: str) -> str:
    """张三 -> "zhang san", 艾力·买买提 -> "ai li mai mai ti": toneless, lower-case, one space between
    syllables, punctuation dropped (the key of sound-alike search)."""
    syllables = [word for part in lazy_pinyin(name) for word in re.findall(r"[0-9a-z]+", part.lower())]
    return " ".join(syllables)[:PINYIN_LENGTH]


class Person(models.Model):
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名拼音", max_length=PINYIN_LENGTH, db_index=True, editable=False)
    id_number_encrypted = models.TextField("身份证号(密文)", blank=True, default="", editable=False)
    id_number_hash = models.CharField("身份证号索引", max_length=64, null=True, blank=True, editable=False)
    phone_encrypted = models.TextField("联系电话(密文)", blank=True, default="", editable=False)
    phone_hash = models.CharField("联系电话索引", max_length=64, null=True, blank=True, editable=False)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        db_column="region_code",
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        # A plain index, not db_index: on PostgreSQL that would add a second, pattern-ops index that
        # a hash never uses.
        indexes = [models.Index(fields=["phone_hash"], name="person_phone_hash")]
        constraints = [
            # One file per ID number. Partial, so the many people without one are not in the way;
            # it is also the index that serves the lookup by hash (which implies NOT NULL).
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=models.Q(id_number_hash__isnull=False),
                name="person_unique_id_number_hash",
            ),
        ]

    def __str__(self):
        return f"{mask_name(self.name)}(#{self.pk})"

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.name_pinyin = name_to_pinyin(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    @property
    def phone(self) -> str:
        """E.164 (+8613812345678), or ""."""
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def set_id_number(self, raw: str) -> None:
        """Validate, normalise, encrypt and hash; a blank value clears it. Raises InvalidPersonalData."""
        if not (raw or "").strip():
            self.id_number_encrypted, self.id_number_hash = "", None
            return
        number = normalise_id_number(raw)
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash("id", number)

    def set_phone(self, raw: str) -> None:
        """Validate, normalise, encrypt and hash; a blank value clears it. Raises InvalidPersonalData."""
        if not (raw or "").strip():
            self.phone_encrypted, self.phone_hash = "", None
            return
        number = normalise_phone(raw)
        self.phone_encrypted = crypto.encrypt(number)
        self.phone_hash = crypto.lookup_hash("phone", number)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("access log rows cannot be changed")

    def delete(self):
        raise AppendOnlyError("access log rows cannot be deleted")


class AccessLog(models.Model):
    """Append-only: one row each time someone saw a person's unmasked data, with why and where."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="查看人",
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_logs",
    )
    object_type = models.CharField("业务对象", max_length=30)
    object_id = models.CharField("对象编号", max_length=64)
    fields = models.JSONField("查看字段", default=list)
    purpose = models.CharField("用途", max_length=200, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("access log rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("access log rows cannot be deleted")


class RetentionRunQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("retention runs cannot be changed")

    def delete(self):
        raise AppendOnlyError("retention runs cannot be deleted")


class RetentionRun(models.Model):
    """Append-only: one row per retention rule applied (fengqiao.people.retention), with how
    many rows it anonymised or purged and the cutoff it used."""

    at = models.DateTimeField("执行时间", db_index=True)
    rule = models.CharField("规则", max_length=40)
    days = models.PositiveIntegerField("保存天数")
    cutoff = models.DateTimeField("截止时间")
    count = models.PositiveIntegerField("处理条数")

    objects = RetentionRunQuerySet.as_manager()

    class Meta:
        verbose_name = "数据保存期限执行记录"
        verbose_name_plural = "数据保存期限执行记录"
        ordering = ["-at", "rule"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.rule} {self.count}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("retention runs cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("retention runs cannot be deleted")
