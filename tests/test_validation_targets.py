"""The validation targets file and the calibrated defaults: the shipped files load, mistakes are
one-line errors, every target's metric exists, and the schema reads the calibrated values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import CoGovModel
from sim.metrics import METRICS, Section
from sim.metrics.definitions import summary
from sim.scenario import Scenario
from sim.scenario.schema import CALIBRATED, CALIBRATED_FILE, CALIBRATED_USED
from sim.validation import TargetsError, load_targets
from sim.validation.calibrate import load_config
from sim.experiments.stats import mean_ci
from sim.experiments.seeds import run_seed
from sim.validation.validate import plan_for
from sim.validation.validate import evaluate

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "validation" / "targets.yaml"


def test_shipped_targets_load_and_cover_the_brief():
    targets = load_targets(TARGETS)
    ids = {t.id for t in targets.targets}
    # every row of the brief's Targets table appears, compared or with the reason it is not
    for needed in ("mediation_success", "grassroots_share_party_led", "online_mediation", "court_mediation_success",
                   "hotline_resolution_2019", "mediation_time_limit", "cases_per_mediator", "participation_level",
                   "participation_age_18_29", "participation_party_members", "disengagement_baseline", "top_problems",
                   "fee_collection", "hotline_complaints", "owners_committees", "mediation_mix_family"):
        assert needed in ids
    roles = {t.id: t.role for t in targets.targets}
    assert roles["mediation_success"] == "check", "the administrative 95 % ceiling is never calibrated against"
    assert targets.calibrated(), "some targets are calibrated against"
    for t in targets.targets:
        assert t.source.strip()
        if t.role == "not_compared":
            assert t.reason
        else:
            assert (ROOT / "validation" / t.scenario).resolve().exists()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "targets.yaml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = """\
replicates: 2
targets:
  - id: share
    pattern: p
    figure: f
    range: [0.5, 0.9]
    role: calibrate
    scenario: {scenario}
    metric: {metric}
    source: s
"""


@pytest.mark.parametrize("text,expected", [
    (BASE.replace("[0.5, 0.9]", "[0.9, 0.5]"), "targets.yaml:6: targets.0.range: expected [low, high] with low < high"),
    (BASE.replace("role: calibrate", "role: maybe"), "targets.yaml:7: targets.0.role: expected one of"),
    (BASE.replace("{metric}", "comunity_share"), "targets.yaml:9: targets.0.metric: unknown metric 'comunity_share'; did you mean 'community_share'?"),
    (BASE.replace("pattern: p\n", "pattern: p\n    colour: red\n"), "targets.0.colour: unknown key 'colour'"),
    (BASE.replace("{scenario}", "nowhere.yaml"), "targets.0.scenario: file not found: nowhere.yaml"),
    ("targets: [", "not valid YAML"),
])
def test_mistakes_are_one_line_errors(tmp_path, text, expected):
    scenario = ROOT / "scenarios" / "baseline.yaml"
    text = text.replace("{scenario}", str(scenario)).replace("{metric}", "community_share")
    with pytest.raises(TargetsError) as e:
        load_targets(_write(tmp_path, text))
    message = str(e.value)
    assert expected in message and "\n" not in message


def test_calibration_setup_loads_and_names_schema_parameters():
    config = load_config(ROOT / "validation" / "calibration.yaml")
    Scenario()  # builds every default, registering the calibrated keys the schema reads
    for p in config.parameters:
        assert p.path in CALIBRATED_USED, f"{p.path} is calibrated but the schema does not read it"


def test_schema_defaults_come_from_the_calibrated_file():
    Scenario()
    assert set(CALIBRATED) <= CALIBRATED_USED, "every calibrated value is read by the schema"
    if not CALIBRATED_FILE.exists():
        pytest.skip("no calibrated.yaml")
    doc = Scenario().model_dump(mode="json", by_alias=True)
    for path, value in CALIBRATED.items():
        node = doc
        for part in path.split("."):
            node = node[part]
        assert node == value, path
    Scenario.model_validate(doc)  # the calibrated defaults are within the schema's ranges
    meta = yaml.safe_load(CALIBRATED_FILE.read_text(encoding="utf-8"))["calibration"]
    assert meta["written_by"].startswith("cogov calibrate")


def test_detail_metrics_on_a_small_run():
    m = CoGovModel(rng=3, days=90, overrides={"site.households": 400})
    m.run()
    d = summary(m)
    assert {x.name for x in METRICS.in_section(Section.VALIDATION)} <= set(d)
    assert 0 <= d["mediation_within_30_days"] <= 1
    assert 0 <= d["participation_party_members"] <= 1
    # participation by group averages back to the whole
    pop = m.population
    share = pop.party_member.mean()
    whole = share * d["participation_party_members"] + (1 - share) * d["participation_non_members"]
    assert whole == pytest.approx(summary(m)["participation_rate"], abs=1e-9)
    log = m.disputes.book.event_table(m.geography.names).to_pandas()
    at = log[(log["channel"] == "mediation") & (log["time"] >= 0)]  # the reported days
    resolved, failed = (at["event"] == "resolve").sum(), (at["event"] == "fail").sum()
    assert d["mediation_success"] == pytest.approx(resolved / (resolved + failed))


def test_mean_ci():
    m, lo, hi, n = mean_ci(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (m, n) == (2.0, 3) and lo < 2 < hi


def test_validation_seeds_follow_the_experiments_rule_with_common_random_numbers(tmp_path):
    base, other = ROOT / "scenarios" / "baseline.yaml", ROOT / "scenarios" / "party_led.yaml"
    text = BASE.replace("{scenario}", str(other)).replace("{metric}", "community_share") + f"    reference: {base}\n"
    targets = load_targets(_write(tmp_path, text))
    plan = plan_for(targets, replicates=4, days=None)
    assert [a.name for a in plan.arms] == [str(other), str(base)]
    seeds = plan.runs_frame()
    assert seeds.groupby("point")["seed"].apply(list).tolist() == [[run_seed(targets.seed, 0, r, common=True) for r in range(4)]] * 2
    assert len(set(seeds["seed"])) == 4


def test_evaluate_pairs_differences_by_seed(tmp_path):
    base, other = ROOT / "scenarios" / "baseline.yaml", ROOT / "scenarios" / "party_led.yaml"
    text = BASE.replace("{scenario}", str(other)).replace("{metric}", "community_share") + f"    reference: {base}\n"
    targets = load_targets(_write(tmp_path, text))
    import pandas as pd

    runs = pd.DataFrame({"scenario": [str(other)] * 2 + [str(base)] * 2, "seed": [1, 2, 2, 1],
                         "community_share": [0.9, 0.8, 0.1, 0.2]})
    row = evaluate(targets, runs).iloc[0]
    assert row["mean"] == pytest.approx(0.7) and row["n"] == 2  # (0.9-0.2 + 0.8-0.1) / 2
    assert row["status"] == "pass"
