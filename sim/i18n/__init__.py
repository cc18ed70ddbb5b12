"""String catalogues: every user-facing label of the outputs, in English and Chinese.

One YAML file per language (``en.yaml``, ``zh.yaml``), nested by topic and addressed with dotted
keys, e.g. ``t("metric.resolution_rate", "zh")`` → ``矛盾纠纷化解率``. Both files must have the
same keys (tests check this); a key missing from a language falls back to English.
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import yaml

LANGUAGES = ("en", "zh")
DEFAULT_LANG = "en"


def _flatten(node: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = str(value)
    return out


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The flattened catalogue of one language: dotted key → text."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    text = resources.files(__package__).joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return _flatten(data)


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The text for `key` in `lang` (English if that language lacks it), with ``{name}``
    placeholders filled from `fields`. Raises KeyError for a key no catalogue has."""
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG)[key]
    return text.format(**fields) if fields else text


def metric_label(name: str, lang: str = DEFAULT_LANG) -> str:
    """The label of a metric (a SERIES or summary key); the bare name for a metric not yet in the
    catalogues, so that a newly added metric never breaks an output."""
    try:
        return t(f"metric.{name}", lang)
    except KeyError:
        return name


def scenario_title(name: str, lang: str = DEFAULT_LANG) -> str:
    """The one-line title of a shipped scenario ("levers/red_cells"), as `cogov list` and the
    workshop's preset picker show it; the name itself for a scenario not in the catalogues."""
    try:
        return t(f"workshop.presets.{name.replace('/', '.')}", lang)
    except KeyError:
        return name


def sweep_title(name: str, lang: str = DEFAULT_LANG) -> str:
    """The one-line title of a shipped sweep file ("joint_meetings"); the name itself if none."""
    try:
        return t(f"cli.sweeps.{name}", lang)
    except KeyError:
        return name


def format_value(value: object, kind: str, lang: str = DEFAULT_LANG) -> str:
    """A number as tables, tiles and reports show it. `kind` is a metric kind
    (`sim.metrics.registry.Kind`): share (as a percentage), days, index (0..1), count, money,
    rate; or "points", a difference of shares in percentage points."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if kind == "share":
        return f"{100 * value:.1f}%" if lang == "zh" else f"{100 * value:.1f} %"
    if kind == "points":
        return f"{100 * value:+.1f} 个百分点" if lang == "zh" else f"{100 * value:+.1f} pp"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "index":
        return f"{value:.3f}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"¥{value:,.0f}"
    return f"{value:,.3g}"


def format_difference(value: object, kind: str, lang: str = DEFAULT_LANG) -> str:
    """A difference between two values of a metric of `kind`, with its sign: shares in
    percentage points, the rest in the metric's own unit."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if kind == "share":
        return format_value(value, "points", lang)
    if kind == "days":
        return f"{value:+.1f}"
    if kind == "index":
        return f"{value:+.3f}"
    if kind == "count":
        return f"{value:+,.0f}"
    if kind == "money":
        return f"{'+' if value >= 0 else '−'}¥{abs(value):,.0f}"
    return f"{value:+,.3g}"


__all__ = ["DEFAULT_LANG", "LANGUAGES", "catalogue", "format_difference", "format_value", "metric_label", "scenario_title",
           "sweep_title", "t"]
