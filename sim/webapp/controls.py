"""The side panel: scenario and seed, play controls, A/B comparison, the policy levers and export.

Lever widgets are built with Mesa's `UserInputs` (the parameter inputs of SolaraViz) from the
schema's ranges (sim/webapp/levers.py); money and hours, whose ranges are too wide for a slider,
are number boxes that refuse values outside the schema's range. Every label is in the catalogues.
"""

from __future__ import annotations

import io
import os
import threading
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

with warnings.catch_warnings():  # solara's hook checker flags a Mesa component we do not use
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization.solara_viz import UserInputs

from ..i18n import scenario_title, t
from ..scenario import Scenario
from ..scenario.schema import SEED_MAX
from .inputs import HeldInput, whole_number
from .levers import GROUPS, LeverSpec, SectionSpec, fmt_number, sections_in
from .session import Preset

#: play speeds, simulated days per second; 0 = as fast as the machine allows
SPEEDS = (1, 2, 5, 10, 20, 50, 0)


def preset_label(preset: Preset, lang: str) -> str:
    return scenario_title(preset.key, lang)


def speed_label(speed: int, lang: str) -> str:
    return t("workshop.speed_max", lang) if speed == 0 else t("workshop.speed_value", lang, n=speed)


def format_value(spec: LeverSpec, value: Any) -> str:
    if value is None:
        return "—"
    if spec.kind == "float" and spec.maximum is not None and spec.maximum <= 1:
        return f"{value:.2f}"
    return fmt_number(value)


# --------------------------------------------------------------------------------------------
# Scenario, run, A/B
# --------------------------------------------------------------------------------------------


@solara.component
def ScenarioPanel(presets: list[Preset], preset: str, on_preset: Callable[[str], None], seed: solara.Reactive[int | None],
                  default_seed: int, lang: str):
    seed_error = solara.use_reactive(False)
    labels = [preset_label(p, lang) for p in presets]
    by_label = dict(zip(labels, presets))
    current = next((p for p in presets if p.key == preset), presets[0])

    def choose(label: str):
        p = by_label.get(label)
        if p is not None:
            on_preset(p.key)

    def on_seed(text):
        """The box holds text: anything but a whole number >= 0 ("abc", "-4", "2.5") is refused
        with a message in the page's language, never ignored."""
        number = whole_number(text)
        if number is None or number > SEED_MAX:
            seed_error.set(True)
            return
        seed_error.set(False)
        seed.set(number)

    with solara.Column(classes=["cg-section", "cg-scenario"], gap="4px"):
        solara.Text(t("workshop.scenario", lang), classes=["cg-h2"])
        solara.Select(label=t("workshop.preset", lang), values=labels, value=preset_label(current, lang), on_value=choose,
                      classes=["cg-preset"])
        if lang == "en" and current.description:
            solara.Text(current.description, classes=["cg-muted"])
        HeldInput(t("workshop.seed", lang), value=str(default_seed if seed.value is None else seed.value),
                  on_commit=on_seed, classes=["cg-seed"], error=seed_error.value)
        if seed_error.value:  # worded at each render, so it follows the page's language
            solara.Text(t("workshop.seed_bad", lang), classes=["cg-error", "cg-seed-error"])
        else:
            solara.Text(t("workshop.seed_help", lang), classes=["cg-muted"])


@solara.component
def RunPanel(status: tuple[bool, bool, bool], playing: solara.Reactive[bool], speed: solara.Reactive[int],
             on_step: Callable[[], None], on_reset: Callable[[], None], lang: str):
    """Play / pause, one day, reset and speed. `status`: (models ready, run finished, started)."""
    ready, finished, _ = status
    labels = [speed_label(s, lang) for s in SPEEDS]
    with solara.Column(classes=["cg-section", "cg-run"], gap="6px"):
        solara.Text(t("workshop.run", lang), classes=["cg-h2"])
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button(t("workshop.pause", lang) if playing.value else t("workshop.play", lang),
                          icon_name="mdi-pause" if playing.value else "mdi-play", color="primary",
                          on_click=lambda: playing.set(not playing.value), disabled=not ready or finished,
                          classes=["cg-play"])
            solara.Button(t("workshop.step", lang), icon_name="mdi-step-forward", on_click=on_step,
                          disabled=not ready or finished or playing.value, classes=["cg-step"], outlined=True)
            solara.Button(t("workshop.reset", lang), icon_name="mdi-restart", on_click=on_reset, classes=["cg-reset"], outlined=True)
        solara.Select(label=t("workshop.speed", lang), values=labels, value=speed_label(speed.value, lang),
                      on_value=lambda label: speed.set(SPEEDS[labels.index(label)]), classes=["cg-speed"])
        if finished:
            solara.Text(t("workshop.finished", lang), classes=["cg-muted"])


@solara.component
def ABPanel(presets: list[Preset], enabled: solara.Reactive[bool], compare: solara.Reactive[str], lang: str,
            same: bool = False):
    """The A/B switch and B's starting point; `same`: B's is A's (said, never silent)."""
    labels = [preset_label(p, lang) for p in presets]
    by_label = dict(zip(labels, presets))
    current = next((p for p in presets if p.key == compare.value), presets[0])
    with solara.Column(classes=["cg-section", "cg-ab"], gap="4px"):
        solara.Switch(label=t("workshop.ab", lang), value=enabled.value, on_value=enabled.set, classes=["cg-ab-switch"])
        solara.Text(t("workshop.ab_help", lang), classes=["cg-muted"])
        if enabled.value:
            solara.Select(label=t("workshop.compare_with", lang), values=labels, value=preset_label(current, lang),
                          on_value=lambda label: compare.set(by_label[label].key), classes=["cg-compare"])
            if same:
                solara.Text(t("workshop.compare_same", lang), classes=["cg-error", "cg-compare-same"])


# --------------------------------------------------------------------------------------------
# Levers
# --------------------------------------------------------------------------------------------


@solara.component
def NumberBox(spec: LeverSpec, value: float, on_value: Callable[[Any], None], lang: str):
    """A number box for a wide range; out-of-range input is refused with the range shown."""
    error = solara.use_reactive(None)

    def submit(text: str):
        try:
            checked = spec.check(text.strip())
        except ValueError:
            error.set(t("workshop.bad_value", lang, min=fmt_number(spec.minimum), max=fmt_number(spec.maximum)))
            return
        error.set(None)
        on_value(checked)

    HeldInput("", value=str(value), on_commit=submit, classes=["cg-number"], error=error.value is not None)
    if error.value:
        solara.Text(error.value, classes=["cg-error", "cg-lever-error"])


@solara.component
def Lever(spec: LeverSpec, value: Any, on_change: Callable[[str, Any], None], lang: str):
    label = t(spec.label_key, lang)
    css = ["cg-lever", f"cg-lever-{spec.section}-{spec.field}"]

    def change(path, v):
        on_change(path, v)

    with solara.Column(classes=css, gap="0px"):
        if spec.kind == "bool":
            UserInputs({spec.path: {"type": "Checkbox", "label": label, "value": bool(value)}}, on_change=change)
            return
        if spec.kind == "choices":
            solara.Text(label, classes=["cg-lever-head"])
            chosen = set(value or [])
            with solara.Row(gap="0px 10px", style={"flex-wrap": "wrap"}):
                for c in spec.choices:
                    solara.Checkbox(label=t(f"workshop.attendee.{c}", lang), value=c in chosen,
                                    on_value=lambda on, c=c: change(spec.path, [x for x in spec.choices if (x == c and on) or (x != c and x in chosen)]))
            return
        with solara.Row(classes=["cg-lever-head"], gap="6px"):
            solara.Text(label)
            with solara.Row(gap="6px", style={"align-items": "baseline"}):
                solara.Text(format_value(spec, value), classes=["cg-lever-value"])
                solara.Text(t("workshop.range", lang, min=fmt_number(spec.minimum), max=fmt_number(spec.maximum)), classes=["cg-lever-range"])
        if spec.slider:
            kind = "SliderInt" if spec.kind == "int" else "SliderFloat"
            v = int(value) if spec.kind == "int" else float(value)
            UserInputs({spec.path: {"type": kind, "label": "", "value": v, "min": spec.minimum, "max": spec.maximum,
                                    "step": int(spec.step) if spec.kind == "int" else spec.step}}, on_change=change)
        else:
            NumberBox(spec, value, lambda v: change(spec.path, v), lang)


@solara.component
def LeverSection(section: SectionSpec, scenario: Scenario, on_change: Callable[[str, Any], None], lang: str):
    switch = section.switch
    on = switch is None or bool(switch.value_in(scenario))
    with solara.Column(classes=["cg-lever-section", f"cg-section-{section.name}"] + ([] if on else ["cg-off"]), gap="2px"):
        solara.Text(t(f"lever.{section.name}.title", lang), classes=["cg-h3"])
        solara.Text(t(f"lever.{section.name}.about", lang), classes=["cg-muted"])
        if switch is not None:
            Lever(switch, switch.value_in(scenario), on_change, lang)
        if on:
            for spec in section.settings:
                Lever(spec, spec.value_in(scenario), on_change, lang)


@solara.component
def LeverPanel(scenario: Scenario | None, levers: dict, set_levers: Callable[[dict], None], lang: str,
               error: str | None = None, live: bool = False, restart: Callable[[], None] | None = None):
    """The levers grouped as the source groups them (S1..S6), as they stand now. A change is
    checked against the schema; before the run starts it sets the starting point, once it runs
    (`live`) it applies from the current day, and `restart` begins again from day 0 with the
    levers as they stand."""
    problem = solara.use_reactive(None)
    open_group = solara.use_reactive(None)

    def on_change(path: str, value: Any):
        from .levers import LEVERS

        spec = LEVERS[path]
        try:
            value = spec.check(value)
        except ValueError:  # said in the page's language, with the range the schema allows
            problem.set(t("workshop.bad_value", lang, min=fmt_number(spec.minimum), max=fmt_number(spec.maximum)))
            return
        problem.set(None)
        set_levers({**levers, path: value})

    with solara.Column(classes=["cg-section", "cg-levers"], gap="4px"):
        solara.Text(t("workshop.levers", lang), classes=["cg-h2"])
        note = t("workshop.levers_live" if live else "workshop.levers_note", lang)
        solara.Text(note, classes=["cg-muted", "cg-levers-note"])
        if levers:
            with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Text(t("workshop.levers_changed", lang, n=len(levers)), classes=["cg-muted"])
                if not live:
                    solara.Button(t("workshop.levers_clear", lang), on_click=lambda: set_levers({}), text=True, small=True,
                                  classes=["cg-levers-clear"])
        if live and restart is not None:
            solara.Button(t("workshop.restart_with_levers", lang), on_click=restart, text=True, small=True,
                          classes=["cg-restart-levers"])
        if problem.value or error:
            solara.Text(problem.value or error, classes=["cg-error"])
        if scenario is None:
            return
        for group in GROUPS:
            is_open = open_group.value == group
            solara.Button(t(f"workshop.group.{group}.title", lang), icon_name="mdi-chevron-up" if is_open else "mdi-chevron-down",
                          on_click=lambda group=group: open_group.set(None if open_group.value == group else group),
                          text=True, classes=["cg-group-head", f"cg-group-head-{group}"])
            if is_open:  # only the open group is built: the page stays light while it plays
                with solara.Column(classes=[f"cg-group-{group}"], gap="2px"):
                    solara.Text(t(f"workshop.group.{group}.about", lang), classes=["cg-group-about"])
                    for section in sections_in(group):
                        LeverSection(section, scenario, on_change, lang)


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def zip_folders(folders: list[Path]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for folder in folders:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    z.write(p, Path(folder.name) / p.relative_to(folder))
    return buf.getvalue()


@solara.component
def ExportPanel(export_run: Callable[[str], list[Path]], charts_png: Callable[[], bytes], lang: str):
    saved = solara.use_reactive(None)  # list of folders, or an error string
    busy = solara.use_reactive(False)

    def save():
        busy.set(True)

        def work():
            try:
                saved.set(export_run(lang))
            except Exception as e:  # noqa: BLE001 — shown on the page
                saved.set(f"{type(e).__name__}: {e}")
            finally:
                busy.set(False)

        threading.Thread(target=work, daemon=True).start()

    with solara.Column(classes=["cg-section", "cg-export"], gap="6px"):
        solara.Text(t("workshop.export", lang), classes=["cg-h2"])
        solara.FileDownload(charts_png, filename="cogov-charts.png", label=t("workshop.export_png", lang))
        solara.Button(t("workshop.export_run", lang), icon_name="mdi-folder-download", on_click=save, disabled=busy.value,
                      outlined=True, classes=["cg-export-run"])
        if isinstance(saved.value, str):
            solara.Text(saved.value, classes=["cg-error"])
        elif saved.value:
            for folder in saved.value:
                solara.Text(t("workshop.export_done", lang, path=os.fspath(folder)), classes=["cg-muted", "cg-export-path"])
            folders = list(saved.value)
            solara.FileDownload(lambda: zip_folders(folders), filename=f"{folders[0].name}.zip", label=t("workshop.export_zip", lang))


__all__ = ["ABPanel", "ExportPanel", "LeverPanel", "RunPanel", "SPEEDS", "ScenarioPanel", "preset_label"]
