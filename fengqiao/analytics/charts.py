"""Charts for briefings, drawn as PNG with Pillow and the system's Noto CJK font (no browser, no
plotting library): Word takes PNG pictures, and the PDF embeds the same images."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
]
SC_INDEX = 2  # Simplified Chinese in the Noto CJK collection (JP, KR, SC, TC, HK)
INK, MUTED, LINE = (33, 37, 41), (110, 117, 125), (222, 226, 230)
COLOURS = [(180, 40, 45), (91, 112, 131), (46, 125, 50), (230, 145, 30), (69, 39, 160)]
WIDTH, HEIGHT, SCALE = 900, 420, 2


@lru_cache(maxsize=8)
def font(size: int):
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            for index in (SC_INDEX, 0):
                try:
                    return ImageFont.truetype(path, size * SCALE, index=index)
                except OSError:
                    continue
    return ImageFont.load_default(size * SCALE)


def _canvas(title: str):
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20 * SCALE, 12 * SCALE), title, fill=INK, font=font(18))
    return image, draw


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _axis(draw, top: int, bottom: int, left: int, right: int, maximum: int):
    s = SCALE
    steps = 4
    for i in range(steps + 1):
        value = round(maximum * i / steps)
        y = bottom - (bottom - top) * i / steps
        draw.line([(left * s, y * s), (right * s, y * s)], fill=LINE, width=s)
        draw.text(((left - 8) * s, y * s), str(value), fill=MUTED, font=font(12), anchor="rm")


def _nice_max(values) -> int:
    top = max([1, *values])
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top <= step * 4:
            return step * 4
    return top


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> bytes:
    """Vertical bars, one group per label, one bar per series (e.g. this period and the last)."""
    image, draw = _canvas(title)
    s = SCALE
    left, right, top, bottom = 60, WIDTH - 20, 70, HEIGHT - 90
    maximum = _nice_max([value for _, values in series for value in values])
    _axis(draw, top, bottom, left, right, maximum)
    slot = (right - left) / max(1, len(labels))
    bar = min(40, slot * 0.8 / max(1, len(series)))
    for i, label in enumerate(labels):
        centre = left + slot * (i + 0.5)
        for j, (_, values) in enumerate(series):
            x0 = centre - bar * len(series) / 2 + bar * j
            height = (bottom - top) * values[i] / maximum
            draw.rectangle(
                [(x0 * s, (bottom - height) * s), ((x0 + bar - 2) * s, bottom * s)], fill=COLOURS[j % 5]
            )
            if values[i]:
                draw.text(
                    ((x0 + bar / 2) * s, (bottom - height - 3) * s),
                    str(values[i]),
                    fill=INK,
                    font=font(11),
                    anchor="mb",
                )
        short = label if len(label) <= 6 else label[:5] + "…"
        draw.text((centre * s, (bottom + 8) * s), short, fill=INK, font=font(12), anchor="ma")
    _legend(draw, series, HEIGHT - 36)
    return _png(image)


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> bytes:
    image, draw = _canvas(title)
    s = SCALE
    left, right, top, bottom = 60, WIDTH - 20, 70, HEIGHT - 90
    maximum = _nice_max([value for _, values in series for value in values])
    _axis(draw, top, bottom, left, right, maximum)
    count = max(1, len(labels) - 1)
    for j, (_, values) in enumerate(series):
        points = [
            ((left + (right - left) * i / count) * s, (bottom - (bottom - top) * value / maximum) * s)
            for i, value in enumerate(values)
        ]
        if len(points) > 1:
            draw.line(points, fill=COLOURS[j % 5], width=3 * s)
        for x, y in points:
            draw.ellipse([(x - 3 * s, y - 3 * s), (x + 3 * s, y + 3 * s)], fill=COLOURS[j % 5])
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x = left + (right - left) * i / count
            draw.text((x * s, (bottom + 8) * s), label, fill=INK, font=font(12), anchor="ma")
    _legend(draw, series, HEIGHT - 36)
    return _png(image)


def _legend(draw, series, y: int):
    s = SCALE
    x = 60
    for j, (name, _) in enumerate(series):
        draw.rectangle([(x * s, y * s), ((x + 14) * s, (y + 14) * s)], fill=COLOURS[j % 5])
        draw.text(((x + 20) * s, (y - 2) * s), name, fill=INK, font=font(13))
        x += 30 + 14 * len(name) + 20
