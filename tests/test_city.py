"""A city run end to end: four levels, per-community accounting, tables and plots, determinism."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import CoGovModel
from sim.metrics.definitions import summary
from sim.metrics.tables import community_table, district_league, street_table
from sim.running.output import CITY_FILES

CITY = """
name: small_city
site: {households: 300}
handlers: {street: {servers: 1}, district: {servers: 1}}
city:
  generate:
    districts: 2
    streets_per_district: 2
    seed: 3
    per_street:
      old_compound: {count: 1, households: 300, site: {property_company: {present: false}}}
      commodity_estate: {count: 2, households: 400}
"""


@pytest.fixture(scope="module")
def city_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "small_city.yaml"
    path.write_text(CITY)
    return path


@pytest.fixture(scope="module")
def model(city_file):
    m = CoGovModel(scenario=city_file, rng=3, days=200)
    m.run()
    return m


def test_every_dispute_belongs_to_exactly_one_community(model):
    table = community_table(model)
    total = summary(model)
    assert len(table) == len(model.geography.communities) > 4
    for column in ("disputes_arisen", "disputes_resolved", "disputes_abandoned", "disputes_lumped", "disputes_open",
                   "reached_street", "reached_court"):
        assert table[column].sum() == total[column], column
    assert table["residents"].sum() == model.population.n


def test_every_escalation_is_counted_at_exactly_one_higher_level(model):
    table = community_table(model)
    series = model.datacollector.get_model_vars_dataframe()
    for level in ("street", "district", "city", "court"):
        assert table[f"escalated_to_{level}"].sum() == series[f"escalated_{level}"].sum(), level
    log = model.disputes.book.event_table(model.geography.names).to_pandas()
    routed = log[(log["event"] == "route") & (log["time"] >= 0)]  # the reported days (not the carried-in cases' warm-up)
    streets = street_table(model)
    assert streets["cases_handled_by_street_office"].sum() == (routed["channel"] == "street").sum()
    districts = district_league(model)
    assert districts["cases_handled_by_district"].sum() == (routed["channel"] == "district").sum()
    # each community's escalations go to its own street office
    street_of = {c.name: c.street_index for c in model.geography.communities}
    handled = routed[routed["channel"] == "street"]["community"].map(street_of).value_counts().sort_index()
    assert handled.tolist() == streets["cases_handled_by_street_office"].tolist()


def test_district_league_is_ranked_by_resolution_rate(model):
    league = district_league(model)
    assert league["rank"].tolist() == list(range(1, len(league) + 1))
    assert league["resolution_rate"].is_monotonic_decreasing


def test_city_run_folder_has_the_city_outputs_and_is_deterministic(city_file, tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "sim", "run", str(city_file), "--days", "60", "--out", str(out), "--quiet"],
                       check=True, capture_output=True)
        outs.append(out)
    for f in CITY_FILES:
        assert (outs[0] / f).stat().st_size > 0, f
    for f in ("communities.parquet", "communities.csv", "streets.csv", "districts.csv", "series.csv", "case_log.parquet"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    communities = pd.read_csv(outs[0] / "communities.csv")
    assert set(communities["type"]) == {"old_compound", "commodity_estate"}
    assert not communities.loc[communities["type"] == "old_compound", "property_company"].any()
    assert np.isnan(communities.loc[communities["type"] == "old_compound", "fee_collection_rate"]).all()


def test_the_city_figures_name_places_by_their_titles_in_the_figures_language(model):
    import matplotlib as mpl

    from sim.running.city_plots import escalations_figure, heatmap_figure
    from sim.running.dashboard import _rc

    communities = community_table(model)
    with mpl.rc_context(_rc("zh")):  # the figures' own style and CJK font, as `cogov run --lang zh` draws them
        rows = {lang: [x.get_text() for x in heatmap_figure(communities, lang, geography=model.geography).axes[0].get_yticklabels()]
                for lang in ("en", "zh")}
        bars = [x.get_text() for x in escalations_figure(communities, "zh", geography=model.geography).axes[0].get_xticklabels()]
        # without the geography (a table read back from disk), the figures use the names
        plain = [x.get_text() for x in heatmap_figure(communities, "zh").axes[0].get_yticklabels()]
    assert rows["zh"] == ["1区 · 1区1街道", "1区 · 1区2街道", "2区 · 2区1街道", "2区 · 2区2街道"]
    assert rows["en"] == ["District 1 · Street 1-1", "District 1 · Street 1-2", "District 2 · Street 2-1", "District 2 · Street 2-2"]
    assert bars and all(b.endswith("社区") for b in bars)
    assert plain[0] == "district 1 · street 1-1"


def test_the_tallies_kept_as_disputes_are_noticed_and_closed_equal_a_count_over_the_book(city_file):
    """The daily metrics over closed and noticed disputes read counts kept as each dispute is
    noticed or closed (`sim.disputes.book.Tallies`), not a scan of the book; in every community,
    with the warm-up's noticed cases carried in, and with red cells and grid workers noticing,
    they must be what a scan of the book finds."""
    from sim.disputes.book import Notice, Status
    from sim.disputes.ladder import COMMUNITY_CHANNELS
    from sim.metrics.definitions import Scope, community_share, days_to_notice, mean_days_to_resolution, resolution_rate

    m = CoGovModel(scenario=city_file, rng=5, days=150, overrides={
        "policies.grid_management.enabled": True, "policies.red_cells.enabled": True})
    m.run()
    b = m.disputes.book
    assert b.carried_in and np.isfinite(b.noticed_time[: b.carried_in]).any()  # the warm-up's noticed cases are in
    assert (b.notice == int(Notice.GRID_WORKER)).any() and (b.notice == int(Notice.RED_CELL)).any()
    for c in range(len(m.geography.communities)):
        s = Scope(m, [c])
        here = b.community == c
        resolved = here & (b.status == int(Status.RESOLVED))
        noticed = here & np.isfinite(b.noticed_time)
        in_community = np.isin(b.resolved_channel, [int(ch) for ch in COMMUNITY_CHANNELS])
        assert resolved.sum() > 10
        assert s.tally("resolved") == resolved.sum()
        assert s.tally("abandoned_after_acting") == (here & (b.status == int(Status.ABANDONED)) & (b.notice != int(Notice.NONE))).sum()
        assert s.tally("resolved_noticed") == (resolved & noticed).sum()
        assert s.tally("resolved_noticed_in_community") == (resolved & noticed & in_community).sum()
        assert s.tally("noticed") == noticed.sum()
        days = (b.closed_time - b.arisen_day)[resolved]
        assert s.tally("days_to_resolution") == pytest.approx(days.sum(), rel=1e-12)
        assert s.tally("days_to_notice") == pytest.approx((b.noticed_time - b.arisen_day)[noticed].sum(), rel=1e-12)
        assert mean_days_to_resolution(s) == pytest.approx(days.mean(), rel=1e-12)
        assert resolution_rate(s) == resolved.sum() / (resolved.sum() + s.tally("abandoned_after_acting"))
        assert community_share(s) == (resolved & noticed & in_community).sum() / (resolved & noticed).sum()
        assert days_to_notice(s) == pytest.approx((b.noticed_time - b.arisen_day)[noticed].mean(), rel=1e-12)
    # the whole city's figure is its communities' counts added up
    whole = Scope(m)
    assert whole.tally("resolved") == (b.status == int(Status.RESOLVED)).sum()
