"""The region tree. A region's primary key is its code, so every row that points at a region
carries the code itself and "this region and below" is a range on that one indexed column."""

from django.db import models

from . import codes


class Region(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县(区)"
        TOWNSHIP = "township", "乡镇(街道)"
        VILLAGE = "village", "村(社区)"
        GRID = "grid", "网格"
        COMPOUND = "compound", "小区(院落)"
        BUILDING = "building", "楼栋"

    code = models.CharField("区划代码", max_length=codes.MAX_CODE_LENGTH, primary_key=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField("层级", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    polygon = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    centroid_lat = models.FloatField("中心纬度", null=True, blank=True)
    centroid_lng = models.FloatField("中心经度", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "区划/网格"
        verbose_name_plural = "区划/网格"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"

    @property
    def prefix(self) -> str:
        return codes.significant_prefix(self.code)

    def subtree(self):
        return Region.objects.filter(codes.subtree_q("code", self.code))

    def ancestors(self) -> list["Region"]:
        """From the root down to the parent, in one query."""
        prefix = self.prefix
        candidates = [
            prefix[:digits].ljust(12, "0") for digits in codes.KIND_DIGITS.values() if digits < len(prefix)
        ]
        chain = Region.objects.filter(code__in=candidates)
        return sorted(chain, key=lambda region: len(region.prefix))

    def contains_code(self, code: str) -> bool:
        return codes.in_subtree(code, self.code)
