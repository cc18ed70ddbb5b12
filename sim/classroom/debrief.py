"""After the session: replay it from its seed and decisions log, scrub through it day by day,
set it beside the counterfactual (the same seed with the model's own behaviour), and export it.

A session folder holds `room.json` (seed, days played), `scenario.yaml` (the scenario as the
room started) and `decisions.parquet` (round, day, role, participant, decision, value, and a
household's building and dispute). That is enough to rebuild the world: `replay` applies each
logged decision on its day through the same call the room made (`decisions.apply_decision`: a
`CoGovModel.apply`, or a household's `decide`), so the replayed run folder is the session's byte
for byte.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pyarrow.parquet as pq

from ..i18n import LANGUAGES, format_difference, format_value, metric_label, scenario_title, t
from ..metrics import METRICS
from ..model import CoGovModel
from ..running import write_run_folder
from ..scenario import ScenarioError, load_scenario
from ..webapp.session import Frame, Sim
from .decisions import Decision, Role, apply_decision
from .room import BASE_FILE, COUNTERFACTUAL, LOG_FILE, ROOM_FILE, RUN, LogRow, write_atomic
from .words import decision_text, value_text



class SessionError(ValueError):
    """A session folder that cannot be read (one line: file and what is wrong)."""


@dataclass(frozen=True)
class SessionRecord:
    folder: Path
    seed: int
    day: int  # days the session played
    community: int
    lang: str
    code: str
    log: tuple[LogRow, ...]


def read_session(folder: str | Path) -> SessionRecord:
    folder = Path(folder)
    room_file = folder / ROOM_FILE
    try:
        room = json.loads(room_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionError(f"{folder}: not a classroom session folder (no {ROOM_FILE})") from None
    except (OSError, json.JSONDecodeError) as e:
        raise SessionError(f"{room_file}: cannot be read ({e})") from None
    for key in ("seed", "day", "community"):
        if not isinstance(room.get(key), int) or isinstance(room.get(key), bool) or room[key] < 0:
            raise SessionError(f"{room_file}: '{key}' must be a non-negative whole number, found {room.get(key)!r}")
    try:
        table = pq.read_table(folder / LOG_FILE)
    except (OSError, ValueError) as e:
        raise SessionError(f"{folder / LOG_FILE}: cannot be read as Parquet ({e})") from None
    rows = []
    for k, r in enumerate(table.to_pylist()):
        try:
            rows.append(LogRow(int(r["round"]), int(r["day"]), Role(r["role"]), str(r["participant"] or ""),
                               Decision(r["decision"]), None if r["value"] is None else float(r["value"]),
                               _whole(r.get("building")), _whole(r.get("dispute"))))
        except (KeyError, ValueError, TypeError) as e:
            raise SessionError(f"{folder / LOG_FILE}: row {k}: {e}") from None
    return SessionRecord(folder, room["seed"], room["day"], room["community"], str(room.get("lang", "en")),
                         str(room.get("code", "")), tuple(rows))


def _whole(x) -> int | None:
    return None if x is None else int(x)


def base_scenario(folder: Path):
    try:
        return load_scenario(folder / BASE_FILE)
    except ScenarioError as e:
        raise SessionError(str(e)) from None


class Replayer:
    """The session's world rebuilt from seed and decisions log, stepped to any day."""

    def __init__(self, record: SessionRecord, *, decisions: bool = True):
        self.record = record
        self.scenario = base_scenario(record.folder)
        self.decisions = decisions  # False: the counterfactual, the model's own behaviour
        self.sim = self._fresh()

    def _fresh(self) -> Sim:
        self._next = 0
        return Sim(self.scenario, self.record.seed)

    def to_day(self, day: int) -> Sim:
        """The world at the end of `day` days (0: as it started); stepping back starts again."""
        day = max(0, min(int(day), self.record.day))
        if day < self.sim.model.day:
            self.sim = self._fresh()
        while self.sim.model.day < day:
            self._apply_due()
            self.sim.step()
        if day == self.record.day:
            self._apply_due()  # decisions of the last day (the run folder's scenario lists them)
        return self.sim

    def _apply_due(self) -> None:
        m = self.sim.model
        log = self.record.log
        while self._next < len(log) and log[self._next].day <= m.day:
            row = log[self._next]
            self._next += 1
            if self.decisions:
                apply_decision(self.sim, row.decision, row.value, self.record.community, row.building, row.dispute)


def replay(folder: str | Path) -> CoGovModel:
    """The session's model at the day it reached, rebuilt from its seed and decisions log."""
    rec = read_session(folder)
    return Replayer(rec).to_day(rec.day).model


def counterfactual(folder: str | Path) -> CoGovModel:
    """The same seed and scenario with no decisions made (the model's own behaviour), as far."""
    rec = read_session(folder)
    return Replayer(rec, decisions=False).to_day(rec.day).model


def compare_runs(a: Path, b: Path) -> list[str]:
    """The data files whose digests differ between two run folders' manifests (empty: the same)."""
    fa = json.loads((a / "manifest.json").read_text(encoding="utf-8"))["files"]
    fb = json.loads((b / "manifest.json").read_text(encoding="utf-8"))["files"]
    return sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def export_session(room, *, lang: str | None = None) -> Path:
    """The session folder, complete: the room's files, its run folder, the counterfactual's run
    folder and the HTML report in each language."""
    lang = lang or room.lang
    with room.lock:
        room.save()
        folder = room.folder
        write_run_folder(room.model, folder / RUN, scenario_path=None, command_line="cogov classroom", wall_time=None,
                         lang=lang, force=True)
        session_frame = room.sim.frame(room.community)
        log = list(room.log)
    rec = read_session(folder)
    cf = Replayer(rec, decisions=False).to_day(rec.day)
    write_run_folder(cf.model, folder / COUNTERFACTUAL, scenario_path=folder / BASE_FILE, command_line="cogov classroom",
                     wall_time=None, lang=lang, force=True)
    cf_frame = cf.frame(rec.community)
    for lg in LANGUAGES:
        write_atomic(folder / f"report.{lg}.html", report_html(session_frame, cf_frame, log, lg, rec.code).encode("utf-8"))
    return folder


def report_html(session, cf, log: list[LogRow], lang: str, code: str) -> str:
    """The debrief report: what the room's decisions changed against the model's own behaviour."""
    from ..webapp.charts import charts_png

    names = (t("classroom.session", lang), t("classroom.counterfactual", lang))
    png = charts_png(Frame(0, session, cf, None), lang, names)
    rows = []
    for key in METRICS.headline():
        kind = METRICS[key].kind
        a, b = session.headline.get(key, math.nan), cf.headline.get(key, math.nan)
        rows.append(f"<tr><td>{escape(metric_label(key, lang))}</td><td>{escape(format_value(a, kind, lang))}</td>"
                    f"<td>{escape(format_value(b, kind, lang))}</td><td>{escape(format_difference(a - b, kind, lang))}</td></tr>")
    decisions = "".join(
        f"<tr><td>{r.round}</td><td>{r.day + 1}</td><td>{escape(t(f'classroom.role.{r.role.value}', lang))}</td>"
        f"<td>{escape('' if r.role is Role.FACILITATOR else r.participant)}</td><td>{escape(decision_text(r, lang))}</td>"
        f"<td>{escape(value_text(r.decision, r.value, lang))}</td></tr>" for r in log)
    head = (f"<tr><th>{escape(t('classroom.report.metric', lang))}</th><th>{escape(names[0])}</th>"
            f"<th>{escape(names[1])}</th><th>{escape(t('classroom.report.difference', lang))}</th></tr>")
    dhead = "".join(f"<th>{escape(t(f'classroom.report.{k}', lang))}</th>" for k in ("round", "day", "role", "participant", "decision", "value"))
    title = t("classroom.report.title", lang, code=code)
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>{escape(title)}</h1>
<p>{escape(t('classroom.report.lead', lang, scenario=scenario_title(session.scenario_name, lang), seed=session.seed, days=session.day))}</p>
<h2>{escape(t('classroom.report.outcomes', lang))}</h2><table>{head}{''.join(rows)}</table>
<img alt="{escape(t('classroom.report.charts', lang))}" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>{escape(t('classroom.report.decisions', lang))}</h2><table>{dhead}{decisions}</table>
</body></html>
"""


def replay_to(folder: str | Path, out: str | Path) -> tuple[Path, list[str] | None]:
    """Write the replayed world's run folder to `out`; the files that differ from the session's
    own run folder (None if the session was never exported)."""
    rec = read_session(folder)
    model = Replayer(rec).to_day(rec.day).model
    out = Path(out)
    session_run = rec.folder / RUN
    lang = rec.lang
    if (session_run / "manifest.json").is_file():
        lang = json.loads((session_run / "manifest.json").read_text(encoding="utf-8")).get("lang", lang)
    write_run_folder(model, out, scenario_path=None, command_line="cogov replay", wall_time=None, lang=lang, force=True)
    return out, compare_runs(session_run, out) if (session_run / "manifest.json").is_file() else None


__all__ = ["COUNTERFACTUAL", "RUN", "Replayer", "SessionError", "SessionRecord", "compare_runs", "counterfactual",
           "export_session", "read_session", "replay", "replay_to", "report_html"]
