"""The community map and the city overview.

The map is a PNG painted directly with NumPy and Pillow (a few milliseconds, so it can be redrawn
for every frame): each building is a box on the community's square (`Geography` positions), shaded
by grid (网格); inside it one dot per resident, coloured by participation or by trust; in a strip
along the top of the box, the building's number and its open (and just closed) disputes, coloured
by category and shaped by status. The legend is HTML so that it follows the page's language.

A city shows, above the map, one tile per community coloured by its resolution rate; clicking a
tile drills down to that community's map.
"""

from __future__ import annotations

import io
import math
from enum import StrEnum

import ipyvuetify as v
import numpy as np
import solara
import traitlets
from matplotlib import colormaps
from PIL import Image, ImageDraw, ImageFont

from ..i18n import t
from ..scenario.schema import CATEGORIES
from ..space.geography import street_title
from .session import ABANDONED, ESCALATED, IN_SERVICE, LATENT, MAP_STATUSES, NEGOTIATING, RESOLVED, WAITING, CityData, MapData

CATEGORY_COLOURS = {
    "property_service": "#0072b2",
    "maintenance": "#e69f00",
    "parking": "#56b4e9",
    "noise_neighbour": "#cc79a7",
    "renovation": "#009e73",
    "sanitation_pets": "#8b5a2b",
    "family": "#d55e00",
    "public_facilities": "#6a3d9a",
}
ACTIVE = "#e4572e"
INACTIVE = "#c9ced6"
GRID_TINTS = ("#eef2f7", "#f7f1e6")  # neighbouring grids alternate
BOX_EDGE = "#7f8c99"
INK = "#1b1b1b"
_TRUST_LUT = (np.asarray(colormaps["RdBu"](np.linspace(0.0, 1.0, 256)))[:, :3] * 255).astype(np.uint8)
#: mean trust is drawn on this range (most residents sit between): red at or below, blue at or above
TRUST_LOW, TRUST_HIGH = 0.25, 0.75

CELL = 5  # pixels per resident (before scaling), 1 of them a gap
PAD = 4
STRIP = 16  # the box's top strip: number and dispute markers
MARK = 10
GAP = 10


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _trust_index(x):
    return np.clip(((np.asarray(x) - TRUST_LOW) / (TRUST_HIGH - TRUST_LOW) * 255).astype(np.int64), 0, 255)


def trust_colour(x: float) -> str:
    r, g, b = _TRUST_LUT[int(_trust_index(x))]
    return f"#{r:02x}{g:02x}{b:02x}"


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def map_geometry(data: MapData) -> dict[str, int]:
    """Sizes (unscaled pixels) of the boxes for this community."""
    per_building = np.bincount(data.resident_building, minlength=len(data.building_xy)) if len(data.resident_building) else np.ones(1, int)
    most = max(1, int(per_building.max()))
    k = max(6, math.ceil(math.sqrt(most * 1.3)))  # a little wider than tall
    rows = math.ceil(most / k)
    w = k * CELL + 2 * PAD
    h = STRIP + rows * CELL + 2 * PAD
    cols = int(data.building_xy[:, 0].max()) + 1 if len(data.building_xy) else 1
    nrows = int(data.building_xy[:, 1].max()) + 1 if len(data.building_xy) else 1
    return {"k": k, "rows": rows, "w": w, "h": h, "cols": cols, "nrows": nrows,
            "width": GAP + cols * (w + GAP), "height": GAP + nrows * (h + GAP)}


def draw_marker(draw: ImageDraw.ImageDraw, x: float, y: float, size: float, status: int, colour, scale: int = 1, ink=INK) -> None:
    """One dispute marker with its top-left corner at (x, y)."""
    s = size
    lw = max(2, scale * 2)
    box = (x, y, x + s, y + s)
    if status == LATENT:
        draw.ellipse(box, outline=colour, width=lw)
    elif status == NEGOTIATING:
        draw.polygon([(x + s / 2, y), (x + s, y + s / 2), (x + s / 2, y + s), (x, y + s / 2)], fill=colour)
    elif status == WAITING:
        draw.ellipse(box, fill=colour)
    elif status == IN_SERVICE:
        draw.rectangle(box, fill=colour)
    elif status == ESCALATED:
        draw.polygon([(x + s / 2, y - s * 0.1), (x + s * 1.05, y + s), (x - s * 0.05, y + s)], fill=colour, outline=ink, width=max(1, scale))
    elif status == RESOLVED:
        draw.line([(x, y + s * 0.55), (x + s * 0.38, y + s * 0.92), (x + s, y + s * 0.08)], fill=colour, width=lw + scale, joint="curve")
    else:  # ABANDONED
        draw.line([(x + s * 0.1, y + s * 0.1), (x + s * 0.9, y + s * 0.9)], fill=colour, width=lw)
        draw.line([(x + s * 0.9, y + s * 0.1), (x + s * 0.1, y + s * 0.9)], fill=colour, width=lw)


TRUST_LEVELS = 64
#: the map's palette: PNG palette images encode several times faster than RGB
_PALETTE = ["#ffffff", BOX_EDGE, GRID_TINTS[0], GRID_TINTS[1], ACTIVE, INACTIVE, INK, "#7a7a7a",
            *CATEGORY_COLOURS.values()]
_TRUST0 = len(_PALETTE)
_PALETTE_BYTES = b"".join(bytes(_rgb(c)) for c in _PALETTE) + _TRUST_LUT[np.linspace(0, 255, TRUST_LEVELS).astype(int)].tobytes()
_CAT0 = 8
_GREY = 7
_INK = 6


class Colouring(StrEnum):
    """What the residents' dots on the map are coloured by."""

    PARTICIPATION = "participation"  # took part in an activity lately, or not
    TRUST = "trust"  # mean trust in the four institutions


def render_map(data: MapData, mode: Colouring = Colouring.PARTICIPATION, scale: int = 2) -> bytes:
    """The community map as PNG bytes, its residents coloured by `mode`."""
    g = map_geometry(data)
    S = scale
    img = np.zeros((g["height"], g["width"]), dtype=np.uint8)  # palette indices, unscaled
    nb = len(data.building_xy)
    bx = GAP + data.building_xy[:, 0] * (g["w"] + GAP)
    by = GAP + data.building_xy[:, 1] * (g["h"] + GAP)
    for b in range(nb):  # boxes: grid tint with an edge
        x0, y0 = bx[b], by[b]
        img[y0:y0 + g["h"], x0:x0 + g["w"]] = 1
        img[y0 + 1:y0 + g["h"] - 1, x0 + 1:x0 + g["w"] - 1] = 2 + int(data.building_grid[b]) % 2
    if len(data.resident_building):  # residents: one cell each, painted in one go
        if mode == Colouring.TRUST:
            colours = (_TRUST0 + _trust_index(data.trust) * TRUST_LEVELS // 256).astype(np.uint8)
        else:
            colours = np.where(data.active, 4, 5).astype(np.uint8)
        slot = data.resident_slot
        cx = bx[data.resident_building] + PAD + (slot % g["k"]) * CELL
        cy = by[data.resident_building] + STRIP + PAD + (slot // g["k"]) * CELL
        for dy in range(CELL - 1):
            for dx in range(CELL - 1):
                img[cy + dy, cx + dx] = colours
    pil = Image.fromarray(img.repeat(S, axis=0).repeat(S, axis=1), mode="P")
    pil.putpalette(_PALETTE_BYTES)
    draw = ImageDraw.Draw(pil)
    font = _font(11 * S)
    for b in range(nb):
        draw.text(((bx[b] + PAD) * S, (by[b] + 2) * S), str(b + 1), fill=_INK, font=font)
    placed, more = markers(data, S)
    for j, x, y in placed:
        status = int(data.dispute_status[j])
        colour = _GREY if status == ABANDONED else _CAT0 + int(data.dispute_category[j])
        draw_marker(draw, x, y, MARK * S, status, colour, S, ink=_INK)
    for b in more:  # more disputes than room: a "+" at the strip's end
        draw.text(((bx[b] + g["w"] - PAD - 6) * S, (by[b] + 2) * S), "+", fill=_INK, font=font)
    buf = io.BytesIO()
    pil.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def markers(data: MapData, scale: int = 2) -> tuple[list[tuple[int, float, float]], list[int]]:
    """Where the map draws its dispute markers: (index into data's disputes, x, y of the top-left
    corner in scaled pixels), the most serious first in each building's strip after its number;
    and the buildings whose strip was too short for all of theirs."""
    g, S = map_geometry(data), scale
    nb = len(data.building_xy)
    bx = GAP + data.building_xy[:, 0] * (g["w"] + GAP)
    by = GAP + data.building_xy[:, 1] * (g["h"] + GAP)
    font = _font(11 * S)
    number_w = {b: font.getlength(str(b + 1)) + 4 * S for b in range(nb)}
    order = np.lexsort((data.dispute_category, -_severity(data.dispute_status), data.dispute_building))
    filled: dict[int, int] = {}
    room = {b: int((g["w"] - 2 * PAD) * S - number_w[b]) // ((MARK + 2) * S) for b in range(nb)}
    placed = []
    for j in order:
        b = int(data.dispute_building[j])
        if b < 0 or b >= nb:
            continue
        n = filled.get(b, 0)
        filled[b] = n + 1
        if n < room[b]:
            placed.append((int(j), (bx[b] + PAD) * S + number_w[b] + n * (MARK + 2) * S, (by[b] + 3) * S))
    return placed, [b for b, n in filled.items() if n > room[b] > 0]


def dispute_at(data: MapData, x: float, y: float, scale: int = 2) -> int | None:
    """The dispute whose marker is at (x, y), as fractions of the map's drawn width and height
    (the page scales the image), or None; a click a few pixels off a marker still finds it."""
    g = map_geometry(data)
    px, py = x * g["width"] * scale, y * g["height"] * scale
    half, reach = MARK * scale / 2, (MARK / 2 + 3) * scale
    best = None
    for j, mx, my in markers(data, scale)[0]:
        d = max(abs(px - (mx + half)), abs(py - (my + half)))
        if d <= reach and (best is None or d < best[0]):
            best = (d, j)
    return None if best is None else int(data.dispute_id[best[1]])


def _severity(status: np.ndarray) -> np.ndarray:
    """Drawing order of statuses: escalated and in hand first, closed last."""
    rank = np.array([3, 2, 4, 5, 6, 1, 0])  # by code LATENT..ABANDONED
    return rank[status] if len(status) else status


# --------------------------------------------------------------------------------------------
# Legend (HTML and inline SVG, so it follows the page's language)
# --------------------------------------------------------------------------------------------


def marker_svg(status: int, colour: str, size: int = 14) -> str:
    s = size
    if status == LATENT:
        body = f'<circle cx="{s/2}" cy="{s/2}" r="{s/2-2}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
    elif status == NEGOTIATING:
        body = f'<polygon points="{s/2},1 {s-1},{s/2} {s/2},{s-1} 1,{s/2}" fill="{colour}"/>'
    elif status == WAITING:
        body = f'<circle cx="{s/2}" cy="{s/2}" r="{s/2-1}" fill="{colour}"/>'
    elif status == IN_SERVICE:
        body = f'<rect x="1" y="1" width="{s-2}" height="{s-2}" fill="{colour}"/>'
    elif status == ESCALATED:
        body = f'<polygon points="{s/2},0 {s},{s-1} 0,{s-1}" fill="{colour}" stroke="{INK}" stroke-width="1"/>'
    elif status == RESOLVED:
        body = f'<polyline points="1,{s*0.55} {s*0.38},{s*0.92} {s-1},{s*0.1}" fill="none" stroke="{colour}" stroke-width="3"/>'
    else:
        body = (f'<line x1="2" y1="2" x2="{s-2}" y2="{s-2}" stroke="{colour}" stroke-width="2.5"/>'
                f'<line x1="{s-2}" y1="2" x2="2" y2="{s-2}" stroke="{colour}" stroke-width="2.5"/>')
    return f'<svg width="{s}" height="{s}" viewBox="0 0 {s} {s}" style="vertical-align:middle">{body}</svg>'


def _swatch(colour: str) -> str:
    return f'<span class="cg-swatch" style="background:{colour}"></span>'


def legend_html(mode: Colouring, lang: str) -> str:
    if mode == Colouring.TRUST:
        stops = ", ".join(trust_colour(x) for x in np.linspace(TRUST_LOW, TRUST_HIGH, 7))
        residents = (f'<span>{t("workshop.trust_low", lang)} (≤ {TRUST_LOW:g})</span>'
                     f'<span class="cg-ramp" style="background:linear-gradient(90deg,{stops})"></span>'
                     f'<span>{t("workshop.trust_high", lang)} (≥ {TRUST_HIGH:g})</span>')
    else:
        residents = (f'<span>{_swatch(ACTIVE)} {t("workshop.active", lang)}</span>'
                     f'<span>{_swatch(INACTIVE)} {t("workshop.inactive", lang)}</span>')
    cats = "".join(f'<span>{_swatch(CATEGORY_COLOURS[c])} {t(f"dispute.category.{c}", lang)}</span>' for c in CATEGORIES)
    stats = "".join(f'<span>{marker_svg(code, "#7a7a7a" if code == ABANDONED else "#34495e")} {t(f"workshop.status.{name}", lang)}</span>'
                    for code, name in enumerate(MAP_STATUSES))
    return (f'<div class="cg-legend">'
            f'<div class="cg-legend-row">{residents}</div>'
            f'<div class="cg-legend-row"><b>{t("workshop.statuses", lang)}</b>{stats}</div>'
            f'<div class="cg-legend-row"><b>{t("workshop.categories", lang)}</b>{cats}</div>'
            f'<div class="cg-legend-note">{t("workshop.legend_residents", lang)}</div></div>')


# --------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------


class MapClicks(v.VuetifyTemplate):
    """Clicks on the map image of the same `.cg-map` box, as fractions of the image's drawn size
    (CSS scales it), in `clicked`. The image stays Solara's (its bytes go as binary); this only
    listens: one listener on the document, so re-drawn images need nothing."""

    template = traitlets.Unicode("""
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    this.listener = (e) => {
      const img = e.target && e.target.closest ? e.target.closest('.cg-map img') : null;
      if (!img || !img.closest('.cg-map').contains(this.$el)) { return; }
      const r = img.getBoundingClientRect();
      this.clicked = {x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height, at: Date.now()};
    };
    document.addEventListener('click', this.listener);
  },
  destroyed() { document.removeEventListener('click', this.listener); },
};
</script>""").tag(sync=True)
    clicked = traitlets.Dict(default_value={}).tag(sync=True)


@solara.component
def CommunityMap(data: MapData, mode: Colouring, title: str, key_: str = "a", on_dispute=None):
    """The map; with `on_dispute`, a click on a dispute's marker calls it with the dispute."""
    png = solara.use_memo(lambda: render_map(data, mode), [data, mode])

    def clicked(where: dict):
        found = dispute_at(data, float(where.get("x", -1)), float(where.get("y", -1))) if where else None
        if found is not None:
            on_dispute(found)

    with solara.Column(classes=["cg-map"], gap="4px"):
        solara.Text(title, classes=["cg-h3"])
        solara.Image(png, width="100%", classes=[f"cg-map-img-{key_}"])
        if on_dispute is not None:
            MapClicks.element(on_clicked=clicked)


@solara.component
def MapLegend(mode: Colouring, lang: str):
    solara.HTML(tag="div", unsafe_innerHTML=legend_html(mode, lang))


def rate_colour(rate: float) -> str:
    """Resolution rate → tile colour: red (40 % or less) through yellow to green (100 %)."""
    if rate is None or not np.isfinite(rate):
        return "#d0d3d8"
    r, g, b, _ = colormaps["RdYlGn"](float(np.clip((rate - 0.4) / 0.6, 0, 1)) * 0.85 + 0.075)
    return f"#{int(r*255):02x}{int(g*255):02x}{int(b*255):02x}"


@solara.component
def CityGrid(city: CityData, selected: int, on_select, lang: str):
    """One tile per community, by street, coloured by resolution rate; a click drills down."""
    with solara.Column(classes=["cg-city"], gap="4px"):
        solara.Text(t("workshop.city", lang), classes=["cg-h3"])
        solara.Text(t("workshop.city_help", lang), classes=["cg-muted"])
        streets: dict[tuple[str, str], list[int]] = {}
        for c, (s, d) in enumerate(zip(city.streets, city.districts)):
            streets.setdefault((d, s), []).append(c)
        for (d, s), members in streets.items():
            with solara.Row(gap="4px", style={"flex-wrap": "wrap", "align-items": "center"}):
                solara.Text(street_title(d, s, lang), classes=["cg-street"])
                for c in members:
                    rate = float(city.resolution_rate[c])
                    value = f"{100 * rate:.0f}%" if np.isfinite(rate) else "—"
                    solara.Button(
                        f"{city.places[c].shown(lang)} {value}", on_click=lambda c=c: on_select(c), small=True, depressed=True,
                        classes=["cg-tile", "cg-tile-selected" if c == selected else "cg-tile-plain"],
                        style={"background-color": rate_colour(rate), "text-transform": "none"},
                    )


__all__ = ["CATEGORY_COLOURS", "CityGrid", "Colouring", "CommunityMap", "MapLegend", "legend_html", "rate_colour", "render_map"]
