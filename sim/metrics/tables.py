"""Tables of the end-of-run metrics by community (with its latent attributes), by street and by
district (the league table), and the spread of results across the communities of one type.

Each row is `summary()` over a `Scope`, so these tables and `summary.json` share one definition
of every metric. Escalations are also counted by where they were handled: an escalated case is
handled by exactly one street office, district or the city, and each count appears once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..disputes.book import Detail, Event
from ..disputes.ladder import LEVEL_OF, Channel
from ..scenario.schema import LATENT_ATTRIBUTES
from .definitions import Scope, summary
from .registry import METRICS

#: the columns that say which community, street or district a row is, in the order shown first
IDENTITY = {
    "rank": "districts: rank by resolution rate, then participation",
    "community": "the community's name",
    "street": "its street office (街道)",
    "district": "its district (区)",
    "type": "community type: old_compound, commodity_estate, resettlement, mixed",
    "households": "households",
    "streets": "districts: street offices in the district",
    "property_company": "a property-service company serves it at the end of the run",
    "owners_committee": "it has an owners' committee at the end of the run",
}
#: communities: the latent attributes (site.latent) beside each community's results
LATENT = {f"latent_{a}": f"communities: site.latent.{a}, in standard deviations across communities (0: typical of its type)"
          for a in LATENT_ATTRIBUTES}
#: the spread of results across the communities of one type (types.csv): column → meaning
SPREAD = {
    "type": "community type",
    "communities": "communities of this type",
    "metric": "a headline metric",
    "mean": "mean over the type's communities",
    "sd": "standard deviation over them (empty for one community)",
    "min": "lowest community",
    "p10": "10th percentile",
    "median": "median",
    "p90": "90th percentile",
    "max": "highest community",
}
#: the other columns of the city tables (besides the per-community metrics): name → meaning
COUNTS = {
    **{f"escalated_to_{level}": f"communities: escalated cases from it that arrived at the {level} level"
       for level in LEVEL_OF.values()},
    "cases_handled_by_street_office": "streets: cases that reached this street office",
    "cases_handled_by_district": "districts: cases that reached this district's handler",
}


def escalations_by_community(model) -> pd.DataFrame:
    """Escalated cases arriving at each level, by the community they came from."""
    book = model.disputes.book
    log = book.log_arrays()
    routed_up = (log["event"] == Event.ROUTE) & (log["detail"] == Detail.ESCALATED)
    comm = book.community[log["id"][routed_up]]
    channel = log["channel"][routed_up]
    n = len(model.geography.communities)
    out = {}
    for ch, level in LEVEL_OF.items():
        out[f"escalated_to_{level}"] = np.bincount(comm[channel == int(ch)], minlength=n)
    return pd.DataFrame(out, index=pd.RangeIndex(n, name="community_index"))


def community_table(model) -> pd.DataFrame:
    """One row per community: where it is, what it is, and its end-of-run metrics."""
    esc = escalations_by_community(model)
    rows = []
    for layout in model.geography.communities:
        row = {
            "community": layout.name,
            "street": layout.street,
            "district": layout.district,
            "type": layout.site.type.value,
            "households": layout.households,
            "property_company": bool(model.property_companies[layout.index].present),
            "owners_committee": bool(model.owners_committees[layout.index].present),
            **{f"latent_{a}": getattr(layout.site.latent, a) for a in LATENT_ATTRIBUTES},
        }
        row.update(summary(Scope(model, [layout.index])))
        row.update(esc.loc[layout.index].to_dict())
        rows.append(row)
    return _order(pd.DataFrame(rows))


def type_spread(communities: pd.DataFrame) -> pd.DataFrame:
    """How far the communities of one type differ in each headline metric (from the community
    table): one row per type and metric."""
    rows = []
    for kind, group in communities.groupby("type", sort=False):
        for metric in METRICS.headline():
            v = group[metric].dropna().to_numpy(dtype=float)
            q = np.percentile(v, [0, 10, 50, 90, 100]) if len(v) else np.full(5, np.nan)
            rows.append({"type": kind, "communities": len(group), "metric": metric,
                         "mean": v.mean() if len(v) else np.nan, "sd": v.std(ddof=1) if len(v) > 1 else np.nan,
                         "min": q[0], "p10": q[1], "median": q[2], "p90": q[3], "max": q[4]})
    table = pd.DataFrame(rows, columns=list(SPREAD))
    stats = list(SPREAD)[3:]
    table[stats] = table[stats].round(10)  # as summary() rounds each metric
    return table


def street_table(model) -> pd.DataFrame:
    """One row per street office: its communities together, and the cases it handled."""
    geo = model.geography
    rows = []
    for s, handler in enumerate(model.disputes.street_handlers):
        members = [c.index for c in geo.communities if c.street_index == s]
        first = geo.communities[members[0]]
        row = {"street": first.street, "district": first.district}
        row.update(summary(Scope(model, members)))
        row["cases_handled_by_street_office"] = _handled(model, Channel.STREET, s)
        rows.append(row)
    return _order(pd.DataFrame(rows))


def district_league(model) -> pd.DataFrame:
    """The district league table: districts ranked by resolution rate, then participation."""
    geo = model.geography
    rows = []
    for d, name in enumerate(geo.districts):
        members = [c.index for c in geo.communities if c.district_index == d]
        row = {"district": name, "streets": len({geo.communities[c].street_index for c in members})}
        row.update(summary(Scope(model, members)))
        row["cases_handled_by_district"] = _handled(model, Channel.DISTRICT, d)
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["resolution_rate", "participation_rate"], ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return _order(table.reset_index(drop=True))


def _handled(model, channel: Channel, place: int) -> int:
    """Cases that reached a street office or district handler (one handler per place)."""
    book = model.disputes.book
    log = book.log_arrays()
    routed = (log["event"] == Event.ROUTE) & (log["channel"] == int(channel))
    comm = book.community[log["id"][routed]]
    geo = model.geography
    where = np.array([c.street_index if channel == Channel.STREET else c.district_index for c in geo.communities])
    return int((where[comm] == place).sum())


def _order(df: pd.DataFrame) -> pd.DataFrame:
    """Identity columns first, then the headline metrics, then the rest of the summary."""
    lead = [c for c in (*IDENTITY, *LATENT) if c in df.columns] + [c for c in METRICS.headline() if c in df.columns]
    return df[lead + [c for c in df.columns if c not in lead]]
