"""Small server-drawn SVG charts (no JavaScript needed): stacked bars and a line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

PALETTE = {"kinh": "#2563eb", "hoa": "#dc2626", "khmer": "#16a34a"}
FALLBACK = ("#7c3aed", "#d97706", "#0891b2", "#db2777")


def color(key: str, index: int) -> str:
    return PALETTE.get(key, FALLBACK[index % len(FALLBACK)])


def stacked_bars(
    bars: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[str],
    series_labels: Mapping[str, str],
    width: int = 760,
) -> Markup:
    """Horizontal bars (one per area), stacked by series (languages)."""
    if not bars:
        return Markup("")
    row_h, label_w, top = 24, 200, 24
    height = top + row_h * len(bars) + 10
    peak = max(sum(values.values()) for _, values in bars) or 1
    scale = (width - label_w - 60) / peak
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, key in enumerate(series):
        parts.append(
            f'<rect x="{label_w + i * 120}" y="4" width="12" height="12" '
            f'fill="{color(key, i)}"/><text x="{label_w + i * 120 + 16}" y="15" '
            f'font-size="12">{escape(series_labels.get(key, key))}</text>'
        )
    for row, (label, values) in enumerate(bars):
        y = top + row * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" '
            f'text-anchor="end">{escape(label[:32])}</text>'
        )
        x = float(label_w)
        for i, key in enumerate(series):
            w = values.get(key, 0) * scale
            if w:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}"'
                    f' fill="{color(key, i)}"><title>{escape(label)} · '
                    f"{escape(series_labels.get(key, key))}: {values[key]}</title></rect>"
                )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="12">{sum(values.values())}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line(points: Sequence[tuple[str, int]], width: int = 760, height: int = 200) -> Markup:
    """Counts over time, labelled at the first and last points."""
    if len(points) < 2:
        return Markup("")
    left, bottom, top = 40, 24, 10
    peak = max(v for _, v in points) or 1
    step = (width - left - 10) / (len(points) - 1)
    coords = [
        (left + i * step, top + (height - top - bottom) * (1 - v / peak))
        for i, (_, v) in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2563eb"><title>'
        f"{escape(label)}: {value}</title></circle>"
        for (x, y), (label, value) in zip(coords, points, strict=True)
    )
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="#9ca3af"/><text x="4" y="{top + 10}" font-size="11">{peak}</text>'
        f'<polyline points="{path}" fill="none" stroke="#2563eb" stroke-width="2"/>{dots}'
        f'<text x="{left}" y="{height - 6}" font-size="11">{escape(points[0][0])}</text>'
        f'<text x="{width - 10}" y="{height - 6}" font-size="11" text-anchor="end">'
        f"{escape(points[-1][0])}</text></svg>"
    )
