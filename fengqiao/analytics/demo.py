"""Demo data of the analytics app: patrol zones and public video points in the demo county (always;
the map shows them), and, with the case history, the county under scheduled analysis and briefing."""

from shapely.geometry import shape

from fengqiao.regions.codes import subtree_q
from fengqiao.regions.models import Region

from .models import PatrolZone, Schedule, VideoPoint

COUNTY = "990102000000"


def load(history: bool) -> str:
    said = []
    if not PatrolZone.objects.filter(subtree_q("region_id", COUNTY)).exists():
        townships = list(
            Region.objects.filter(subtree_q("code", COUNTY), kind="township").order_by("code")[:6]
        )
        for number, township in enumerate(townships, start=1):
            lat, lng = _centre(township)
            PatrolZone.objects.create(
                name=f"{township.name}巡防区",
                team=f"{township.name}派出所巡逻{number}组",
                region=township,
                lat=lat,
                lng=lng,
                speed_kmh=30 if number % 2 else 18,
            )
        villages = list(
            Region.objects.filter(subtree_q("code", COUNTY), kind="village").order_by("code")[:24]
        )
        kinds = list(VideoPoint.Kind.values)
        for number, village in enumerate(villages):
            lat, lng = _centre(village)
            VideoPoint.objects.create(
                name=f"{village.name}{VideoPoint.Kind(kinds[number % 4]).label}",
                kind=kinds[number % 4],
                region=village,
                lat=lat,
                lng=lng,
            )
        said.append(f"{len(townships)} patrol zones, {len(villages)} video points")
    if history and Region.objects.filter(code=COUNTY).exists():
        _, created = Schedule.objects.get_or_create(region_id=COUNTY)
        if created:
            said.append("the county under scheduled analysis and briefing")
    return ", ".join(said) if said else "already present"


def _centre(region: Region) -> tuple[float, float]:
    if region.centroid_lat is not None and region.centroid_lng is not None:
        return region.centroid_lat, region.centroid_lng
    point = shape(region.polygon).representative_point()
    return point.y, point.x
