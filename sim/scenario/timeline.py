"""What a timeline entry may change, where, and the checks a scenario's timeline must pass.

A change names settings by dotted path. Only what can change in reality once the community exists
may change mid-run: every policy lever; the residents' committee's staff, mediators, skill and
service-centre programme; the property company's presence, staff, service quality,
responsiveness, fee and costs; the owners' committee (formed or dissolved, its standing and
assembly rhythm); the party organisation's secretary and effort; the social organisations and
co-located units; the handlers' capacities and ways of working; and dispute rates (a storm, a
campaign). The population, its buildings and grids, its behaviour and the city's layout are fixed
at the start.

`timeline_problems` checks a resolved scenario's timeline and returns every problem with the key
path it concerns, so the loader reports each as one line with its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..hints import did_you_mean
from .schema import DisputeSpec, Handlers, Policies, Scenario, Site, TimelineEntry, deep_merge

#: the sections a change may touch, and (for a site) the settings of each that may change
CHANGEABLE_SITE = {
    "residents_committee": ("staff", "mediators", "skill", "service_centre_events_per_month"),
    "property_company": ("present", "staff", "service_quality", "responsiveness", "monthly_fee", "cost_per_household_month"),
    "owners_committee": ("present", "legitimacy", "assembly_interval_days"),
    "party": ("secretary_capability", "mobilisation_effort"),
    "social_organisations": None,  # the whole list
    "co_located_units": None,
}
#: per-community handlers (a community may be targeted); the others are per street, district or city
COMMUNITY_HANDLERS = ("property_desk", "mediation", "joint_meeting", "professional")
PLACE_OF_HANDLER = {"street": "street", "district": "district", "city_hotline": "city", "court": "city"}
#: settings of a present property company / owners' committee: a change needs the institution
NEEDS_PRESENT = {"property_company": "property company", "owners_committee": "owners' committee"}


@dataclass
class Problem:
    """Something wrong with a timeline entry: where (a key path into the scenario) and what."""

    loc: tuple
    message: str


@dataclass
class Change:
    """One resolved setting of an entry: its section (site, policies, handlers, disputes), the path
    inside it, and the new value (or the factor, for `scale`)."""

    section: str
    path: tuple[str, ...]
    value: Any
    scale: bool = False

    @property
    def dotted(self) -> str:
        return ".".join((self.section, *self.path))


def parse(key: str, value: Any, *, scale: bool = False) -> Change | str:
    """The Change a dotted key names, or why it cannot change mid-run (a message)."""
    parts = tuple(key.split("."))
    section, rest = parts[0], parts[1:]
    if section not in ("site", "policies", "handlers", "disputes"):
        known = "site, policies, handlers, disputes"
        if section in Scenario.model_fields:
            return f"'{section}' cannot change mid-run (only {known})"
        hint = did_you_mean(section, known.split(", "), otherwise=f"; a change names a setting under {known}")
        return f"unknown setting '{key}'{hint}"
    model = {"site": Site, "policies": Policies, "handlers": Handlers, "disputes": DisputeSpec}[section]
    bad = _unknown(model, rest)
    if bad is not None:
        return f"unknown setting '{key}'{bad}"
    if not rest:
        return f"'{key}' is a whole section: name a setting inside it"
    if section == "site":
        if rest[0] not in CHANGEABLE_SITE:
            return (f"'{key}' cannot change mid-run: the site's {rest[0].replace('_', ' ')} is fixed when the community is "
                    f"built (what may change: {', '.join(f'site.{k}' for k in CHANGEABLE_SITE)})")
        allowed = CHANGEABLE_SITE[rest[0]]
        if allowed is not None and (len(rest) < 2 or rest[1] not in allowed):
            return f"'{key}' cannot change mid-run (site.{rest[0]}: {', '.join(allowed)})"
        if allowed is None and len(rest) > 1:
            return f"'{key}': set site.{rest[0]} as a whole list"
    if section == "disputes" and rest[0] not in ("rates", "rate_multiplier", "quality_sensitivity"):
        return f"'{key}' cannot change mid-run (disputes: rates, rate_multiplier, quality_sensitivity)"
    return Change(section, rest, value, scale)


def _unknown(model: type[BaseModel], path: tuple[str, ...]) -> str | None:
    """None if `path` names a field of `model` (through nested models and mappings), else a hint."""
    current: Any = model
    for i, part in enumerate(path):
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            if part not in fields:
                return did_you_mean(part, fields, otherwise=f"; known keys here: {', '.join(fields)}")
            current = _inner(fields[part].annotation)
        elif current is dict:  # a mapping (e.g. disputes.rates.<type>.<category>): keys are data
            continue
        else:
            return f"; '{'.'.join(path[:i])}' has no settings inside it"
    return None


def _inner(annotation: Any) -> Any:
    """The model (or `dict`) inside an annotation like X, X | None, dict[...], list[X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if getattr(annotation, "__origin__", None) is dict:
        return dict
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner(arg)
        if found is not None:
            return found
    return None


def changes(entry: TimelineEntry) -> list[Change | tuple[str, str]]:
    """The entry's changes, `set` first; a (key, message) pair for each that cannot be made."""
    out: list[Change | tuple[str, str]] = []
    for key, value in entry.set.items():
        c = parse(key, value)
        out.append(c if isinstance(c, Change) else (key, c))
    for key, factor in entry.scale.items():
        c = parse(key, factor, scale=True)
        out.append(c if isinstance(c, Change) else (key, c))
    return out


def get_path(doc: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def set_path(doc: dict, path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc.setdefault(p, {})
    doc[path[-1]] = value


def applied(doc: dict, change: Change) -> dict:
    """A copy of a section's document with `change` made (a factor multiplies the current value)."""
    out = deep_merge(doc, {})
    node = out
    for p in change.path[:-1]:  # copy the branch written into, so `doc` stays as it was
        node[p] = dict(node[p]) if isinstance(node.get(p), dict) else node.get(p, {})
        node = node[p]
    if change.scale:
        current = get_path(doc, change.path)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise ValueError(f"scale needs a numeric setting, and '{change.dotted}' is {current!r}")
        value = current * change.value
        node[change.path[-1]] = int(round(value)) if isinstance(current, int) else value
    else:
        node[change.path[-1]] = change.value
    return out


# --- where: communities, streets, districts ---------------------------------------------------------


def places(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(community, street, district) names of every community, in model order."""
    return [(site.name, street, district) for district, street, site in scenario.communities()]


def target_communities(entry: TimelineEntry, layout: list[tuple[str, str, str]]) -> list[int] | str:
    """Indices of the communities an entry applies to, or why its target names nothing."""
    level, names = entry.targets()
    if level is None:
        return list(range(len(layout)))
    column = {"community": 0, "street": 1, "district": 2}[level]
    known = list(dict.fromkeys(p[column] for p in layout))
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known, otherwise=f"; known: {', '.join(known[:8])}" + (" ..." if len(known) > 8 else ""))
            return f"unknown {level} '{name}'{hint}"
    return [i for i, p in enumerate(layout) if p[column] in names]


# --- the checks ------------------------------------------------------------------------------------


def timeline_problems(scenario: Scenario) -> list[Problem]:
    """Every problem of the scenario's timeline: a day outside the run, a target that names no
    place, a setting that does not exist or cannot change mid-run, a value out of range (at the
    time it applies, after the entries before it), a change that needs an institution that is not
    there, and a lever setting that has no effect because the lever is off."""
    problems: list[Problem] = []
    layout = places(scenario)
    sites = [site.model_dump(mode="json", by_alias=True) for _, _, site in scenario.communities()]
    policies = [scenario.policies.model_dump(mode="json", by_alias=True) for _ in layout]
    handlers = scenario.handlers.model_dump(mode="json", by_alias=True)
    disputes = scenario.disputes.model_dump(mode="json", by_alias=True)
    order = sorted(range(len(scenario.timeline)), key=lambda i: scenario.timeline[i].day)
    for i in order:
        entry = scenario.timeline[i]
        at = ("timeline", i)
        if entry.day >= scenario.run.days:
            problems.append(Problem(at + ("day",), f"day {entry.day} is outside the run (days 0..{scenario.run.days - 1})"))
            continue
        where = target_communities(entry, layout)
        if isinstance(where, str):
            problems.append(Problem(at + (entry.targets()[0],), where))
            continue
        level = entry.targets()[0]
        for change in changes(entry):
            if isinstance(change, tuple):
                key, message = change
                problems.append(Problem(at + ("scale" if key in entry.scale else "set", key), message))
                continue
            loc = at + ("scale" if change.scale else "set", change.dotted)
            try:
                if change.section == "site":
                    sites = _each(sites, where, change, Site)
                elif change.section == "policies":
                    policies = _each(policies, where, change, Policies)
                elif change.section == "handlers":
                    place = PLACE_OF_HANDLER.get(change.path[0])
                    if place is not None and level is not None and (place == "city" or level == "community"):
                        raise ValueError(f"handlers.{change.path[0]} serves the whole {place if place != 'city' else 'city'}: "
                                         f"target {'nothing (everywhere)' if place == 'city' else 'a ' + place + ' or a district'}")
                    handlers = _validated(applied(handlers, change), Handlers)
                else:
                    disputes = _validated(applied(disputes, change), DisputeSpec)
            except ValueError as e:
                problems.append(Problem(loc, str(e)))
        problems += _needs(entry, at, where, layout, sites, policies)
    return problems


def _each(docs: list[dict], where: list[int], change: Change, model: type[BaseModel]) -> list[dict]:
    out = list(docs)
    for c in where:
        out[c] = _validated(applied(docs[c], change), model)
    return out


def _validated(doc: dict, model: type[BaseModel]) -> dict:
    from .loader import _describe  # the loader reads this module; its messages are the one wording

    try:
        return model.model_validate(doc).model_dump(mode="json", by_alias=True)
    except ValidationError as e:
        err = e.errors()[0]
        raise ValueError(_describe(err, tuple(err["loc"]), model)) from None


def _needs(entry: TimelineEntry, at: tuple, where: list[int], layout, sites: list[dict],
           policies: list[dict]) -> list[Problem]:
    """A setting of an institution that is not there, or of a lever that is off, has no effect."""
    problems = []
    for key in [*entry.set, *entry.scale]:
        parts = key.split(".")
        loc = at + ("scale" if key in entry.scale else "set", key)
        if parts[0] == "site" and len(parts) > 2 and parts[1] in NEEDS_PRESENT and parts[2] != "present":
            missing = [layout[c][0] for c in where if not sites[c][parts[1]]["present"]]
            if missing:
                problems.append(Problem(loc, f"there is no {NEEDS_PRESENT[parts[1]]} in {_names(missing)} on day "
                                             f"{entry.day} (site.{parts[1]}.present is false; set it true first)"))
        if parts[0] == "policies" and len(parts) > 2 and parts[2] != "enabled":
            off = [layout[c][0] for c in where if policies[c][parts[1]].get("enabled") is False]
            if off:
                problems.append(Problem(loc, f"has no effect while policies.{parts[1]}.enabled is false in {_names(off)} "
                                             f"on day {entry.day} (enable it in this entry or an earlier one)"))
    return problems


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


# --- extends --------------------------------------------------------------------------------------


def merge_layers(layers: list) -> dict:
    """Merge an `extends:` chain, base first. Mappings merge key by key and lists and values
    replace, except `timeline`: a file's entries are added after those of the file it extends, so
    a variant of a scenario adds its changes to the base's (write the base without a timeline to
    start afresh). Each file's line numbers of its entries are moved to their place in the merged
    list, so errors still name the right line."""
    doc: dict = {}
    count = 0
    for layer in layers:
        data = dict(layer.data)
        own = data.pop("timeline", None)
        doc = deep_merge(doc, data)
        if isinstance(own, list):
            layer.lines = {(k[0], k[1] + count, *k[2:]) if k[:1] == ("timeline",) and len(k) > 1 and isinstance(k[1], int)
                           else k: v for k, v in layer.lines.items()}
            doc["timeline"] = list(doc.get("timeline", [])) + own
            count += len(own)
        elif own is not None:
            doc["timeline"] = own  # not a list: the schema says what is wrong
    return doc


# --- words ---------------------------------------------------------------------------------------


def entry_label(entry: TimelineEntry, lang: str = "en") -> str:
    """What an entry does, for plots, tables and the ticker: its own label, else words from the
    catalogues for what it sets (a lever starting or stopping, a company leaving, a fee rise)."""
    from ..i18n import t

    if entry.label:
        return entry.label
    words = []
    for key, value in entry.set.items():
        parts = key.split(".")
        if key == "site.property_company.present":
            words.append(t("change.property_enters" if value else "change.property_exit", lang))
        elif key == "site.owners_committee.present":
            words.append(t("change.owners_committee_formed" if value else "change.owners_committee_dissolved", lang))
        elif parts[0] == "policies" and len(parts) == 3 and parts[2] == "enabled":
            words.append(t("change.lever_on" if value else "change.lever_off", lang, lever=_setting(parts[:2], lang)))
        else:
            words.append(t("change.setting", lang, setting=_setting(parts, lang), value=value))
    for key, factor in entry.scale.items():
        if key == "site.property_company.monthly_fee":
            words.append(t("change.fee_change", lang, factor=f"{factor:g}"))
        else:
            words.append(t("change.scaled", lang, setting=_setting(key.split("."), lang), factor=f"{factor:g}"))
    return "; ".join(words)


def _setting(parts: list[str], lang: str) -> str:
    """A setting's name in the catalogues (a lever's title or field, a site setting, a dispute
    category's rate), else its dotted key."""
    from ..i18n import t

    try:
        if parts[0] == "policies" and len(parts) >= 2:
            return t(f"lever.{parts[1]}.{parts[2] if len(parts) > 2 else 'title'}", lang)
        if parts[:2] == ["disputes", "rates"] and len(parts) == 4:
            return t("change.rate", lang, category=t(f"dispute.category.{parts[3]}", lang))
        return t("change." + ".".join(parts), lang)
    except KeyError:
        return ".".join(parts)
