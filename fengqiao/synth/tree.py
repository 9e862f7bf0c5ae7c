"""The synthetic province's region tree: nested rectangles (they tile exactly), fictitious names."""

from dataclasses import dataclass

from fengqiao.regions.models import Region

SYLLABLES = "安平宁和丰泰兴华明清新福永长盛东西南北中上下前后高龙凤桂柳松竹梅兰石河湖溪山岭川桥林田"


@dataclass(frozen=True)
class Shape:
    cities: int
    counties: int  # per city
    townships: int  # per county
    villages: int  # per township
    grids: int  # per village

    @property
    def total_grids(self) -> int:
        return self.cities * self.counties * self.townships * self.villages * self.grids


def shape_for(grids: int) -> Shape:
    per_city = 10 * 10 * 7 * 3
    cities = max(1, min(99, -(-grids // per_city)))
    counties = max(1, min(10, -(-grids // (cities * 10 * 7 * 3))))
    return Shape(cities=cities, counties=counties, townships=10, villages=7, grids=3)


def _name(index: int, suffix: str) -> str:
    first = SYLLABLES[index % len(SYLLABLES)]
    second = SYLLABLES[(index * 7 + 3) % len(SYLLABLES)]
    return f"{first}{second}{suffix}"


def _split(box, columns, rows):
    west, south, east, north = box
    width, height = (east - west) / columns, (north - south) / rows
    for index in range(columns * rows):
        column, row = index % columns, index // columns
        yield (
            west + column * width,
            south + row * height,
            west + (column + 1) * width,
            south + (row + 1) * height,
        )


def _lattice(count):
    columns = 1
    while columns * columns < count:
        columns += 1
    rows = -(-count // columns)
    return columns, rows


def _polygon(box):
    west, south, east, north = (round(value, 6) for value in box)
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


def build_regions(province: str, shape: Shape, box=(110.0, 24.0, 118.0, 30.0)) -> list[Region]:
    """Every region of the province, parents first."""
    rows = []

    def add(code, parent, kind, name, area):
        west, south, east, north = area
        rows.append(
            Region(
                code=code,
                parent_id=parent,
                kind=kind,
                name=name,
                polygon=_polygon(area),
                centroid_lat=round((south + north) / 2, 6),
                centroid_lng=round((west + east) / 2, 6),
            )
        )

    province_code = province.ljust(12, "0")
    add(province_code, None, "province", "合成省", box)
    serial = 0
    for c, city_box in enumerate(_split(box, *_lattice(shape.cities)), start=1):
        if c > shape.cities:
            break
        city = f"{province}{c:02d}".ljust(12, "0")
        add(city, province_code, "city", _name(c, "市"), city_box)
        for k, county_box in enumerate(_split(city_box, *_lattice(shape.counties)), start=1):
            if k > shape.counties:
                break
            county = f"{city[:4]}{k:02d}".ljust(12, "0")
            add(county, city, "county", _name(c * 13 + k, "县"), county_box)
            for t, town_box in enumerate(_split(county_box, *_lattice(shape.townships)), start=1):
                if t > shape.townships:
                    break
                township = f"{county[:6]}{t:03d}000"
                add(township, county, "township", _name(k * 31 + t, "镇"), town_box)
                for v, village_box in enumerate(_split(town_box, *_lattice(shape.villages)), start=1):
                    if v > shape.villages:
                        break
                    village = f"{township[:9]}{v:03d}"
                    serial += 1
                    village_name = _name(serial, "村")
                    add(village, township, "village", village_name, village_box)
                    for g, grid_box in enumerate(_split(village_box, shape.grids, 1), start=1):
                        add(f"{village}{g:03d}", village, "grid", f"{village_name}第{g}网格", grid_box)
    return rows
