"""The classroom's decisions in words, in the room's language (pages, console and report alike)."""

from __future__ import annotations

from ..disputes.choices import Choice
from ..i18n import t
from .decisions import SPECS, STORM_DAYS, Decision, Role
from .room import LogRow


def value_text(decision: Decision, value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    if decision in (Decision.HANDLE_DISPUTE, Decision.NEW_DISPUTES, Decision.AFTER_FAILURE):
        return t(f"classroom.choice.{Choice(int(value)).name.lower()}", lang)
    if decision is Decision.TAKE_PART:
        return t("classroom.take_part.yes" if value else "classroom.take_part.no", lang)
    return f"{value:.0f}" if SPECS[decision].whole else f"{value:.1f}"


def event_label(event: Decision, lang: str) -> str:
    spec = SPECS.get(event)
    return t(f"classroom.decision.{event.value}", lang, factor=f"{spec.low:g}" if spec else "", days=STORM_DAYS)


def decision_text(row: LogRow, lang: str) -> str:
    """What a logged decision was about (its value apart)."""
    if row.role is Role.FACILITATOR:
        return event_label(row.decision, lang)
    if row.decision is Decision.FALLBACK and row.building is not None:
        return t("classroom.own_rule_again", lang)
    if row.decision is Decision.HANDLE_DISPUTE:
        return t("classroom.dispute_id", lang, id=row.dispute)
    return t(f"classroom.decision.{row.decision.value}", lang)


def log_line(row: LogRow, lang: str) -> str:
    """"Resident household, building 3 (Li): dispute 17 = take it to the residents' committee";
    in Chinese with full-width brackets and colon (居民家庭（第 3 栋）（李）：…)."""
    who = t(f"classroom.role.{row.role.value}", lang)
    if row.building is not None:
        who = t("classroom.who_in", lang, role=who, building=row.building + 1)
    if row.participant and row.role is not Role.FACILITATOR:
        who = t("classroom.who_named", lang, who=who, name=row.participant)
    line = t("classroom.log_line", lang, who=who, decision=decision_text(row, lang))
    if row.value is None or row.role is Role.FACILITATOR:
        return line
    return t("classroom.log_value", lang, line=line, value=value_text(row.decision, row.value, lang))


__all__ = ["decision_text", "event_label", "log_line", "value_text"]
