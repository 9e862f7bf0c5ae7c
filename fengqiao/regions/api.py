from ninja import Field, Query, Router, Schema

from fengqiao.accounts.scoping import access_region, region_scope_q

from . import locate as grid_locate
from .geojson import export_tree
from .models import Region

router = Router(tags=["regions"])


class RegionBrief(Schema):
    code: str
    name: str
    kind: str


class RegionOut(RegionBrief):
    parent_code: str | None
    centroid: dict | None
    polygon: dict | None
    ancestors: list[RegionBrief]
    children: list[RegionBrief]


class Position(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)


class LocateOut(Schema):
    lat: float
    lng: float
    grid_code: str | None
    grid: RegionBrief | None


@router.get("/locate", response=LocateOut, summary="The grid a position falls in (null outside every grid)")
def locate(request, position: Query[Position]):
    code = grid_locate.locate(position.lat, position.lng)
    region = None
    if code is not None:
        region = Region.objects.filter(region_scope_q(request.user, "code"), code=code).first()
    return {
        "lat": position.lat,
        "lng": position.lng,
        "grid_code": region.code if region else None,
        "grid": region,
    }


@router.get("/{code}/geojson", response=dict, summary="The region's subtree as a GeoJSON FeatureCollection")
def region_geojson(request, code: str, kind: Query[list[Region.Kind]] = None):
    region = access_region(request.user, code)
    return export_tree(region.code, kinds=[k.value for k in kind] if kind else None)


@router.get("/{code}", response=RegionOut, summary="A region with its ancestors and children")
def region_detail(request, code: str):
    region = access_region(request.user, code)
    children = region.children.order_by("code")
    return {
        "code": region.code,
        "name": region.name,
        "kind": region.kind,
        "parent_code": region.parent_id,
        "centroid": {"lat": region.centroid_lat, "lng": region.centroid_lng}
        if region.centroid_lat is not None
        else None,
        "polygon": region.polygon,
        "ancestors": region.ancestors(),
        "children": children,
    }
