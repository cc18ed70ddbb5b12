"""Resident-level variables a caller may ask the DataCollector to record each day, for
``model.datacollector.get_agent_vars_dataframe()`` (Mesa's agent reporters).

Opt-in (``CoGovModel(record_agents=[...])``): a row per resident per day is large (a 5,000-resident
year is 1.8 million rows) and costs a Python call per resident, variable and day. Rows of agents
that are not residents (the institutions) hold None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..agents.residents import Resident
from ..disputes.ladder import INSTITUTION_NAMES


def _trust(institution: str) -> Callable[[Resident], float]:
    k = INSTITUTION_NAMES.index(institution)

    def value(r: Resident) -> float:
        return float(r.model.population.trust[r.index, k])

    value.__doc__ = f"Trust in the {institution.replace('_', ' ')}, 0..1."
    return value


def participating(r: Resident) -> bool:
    """Took part in any governance activity in the last 30 days."""
    return r.participating


def satisfaction(r: Resident) -> float:
    """Satisfaction with community life, 0..1."""
    return r.satisfaction


def security(r: Resident) -> float:
    """Sense of security, 0..1."""
    return r.security


#: name → the Resident's value (its docstring says what it is)
RESIDENT_VARIABLES: dict[str, Callable[[Resident], Any]] = {
    **{f"trust_{i}": _trust(i) for i in INSTITUTION_NAMES},
    "participating": participating,
    "satisfaction": satisfaction,
    "security": security,
}


def resident_reporters(names: list[str]) -> dict[str, Callable[[Any], Any]]:
    """Mesa agent reporters for `names` (residents' values; None for other agents)."""
    unknown = [n for n in names if n not in RESIDENT_VARIABLES]
    if unknown:
        raise ValueError(f"record_agents: unknown resident variable {unknown[0]!r}; known: {', '.join(RESIDENT_VARIABLES)}")

    def reporter(value: Callable[[Resident], Any]) -> Callable[[Any], Any]:
        return lambda agent: value(agent) if isinstance(agent, Resident) else None

    return {n: reporter(RESIDENT_VARIABLES[n]) for n in names}
