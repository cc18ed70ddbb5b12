"""The co-governance model: one Mesa model, a pure function of (scenario, seed).

Read `step()` for the whole daily schedule. Agents live in `sim.agents`, the dispute process in
`sim.disputes`, what each policy lever does in `sim.policies`, and what is recorded in
`sim.metrics`; this file only wires them together.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from pydantic import ValidationError

from .agents.government import City, District, StreetOffice
from .agents.institutions import (
    CoLocatedUnit, GridWorker, OwnersCommittee, PartyOrganisation, PropertyCompany, ResidentsCommittee,
    SocialOrganisation,
)
from .agents.participation import take_part
from .agents.residents import Population, Resident
from .agents.wellbeing import collect_fees, update_wellbeing
from .disputes.book import Status
from .disputes.choices import Choice, HouseholdRule
from .disputes.ladder import Channel
from .disputes.process import DisputeProcess
from .metrics.definitions import daily_reporters
from .metrics.residents import resident_reporters
from .policies.effects import CommunityEffects, Effects
from .policies.rollout import Timeline
from .scenario import Scenario, ScenarioError, load_scenario, validate_document
from .scenario.schema import SEED_MAX, RunSpec, TimelineEntry
from .space.geography import build_geography

INCUBATED_KINDS = ("volunteer_team", "counselling", "interest_group", "legal_aid")
PATROL_HOUSEHOLDS = 300  # households a grid worker can cover at the set patrol interval
TARGETED_BACKLOG = 30.0  # smart supervision: open cases per 1,000 households that trigger a visit
TARGETED_GAP_DAYS = 14


def resolve_scenario(scenario: Scenario | str | Path | dict | None, overrides: dict[str, Any] | None = None) -> Scenario:
    """A Scenario from an object, a file path or a document, with dotted-path overrides applied
    (e.g. ``{"policies.grid_management.enabled": True}``) and validated."""
    if scenario is None:
        scenario = Scenario()
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    doc = scenario.model_dump(mode="json", by_alias=True) if isinstance(scenario, Scenario) else copy.deepcopy(scenario)
    if not overrides:
        return scenario if isinstance(scenario, Scenario) else validate_document(doc)
    for key, value in overrides.items():
        set_dotted(doc, key, value)
    return validate_document(doc)


def set_dotted(doc: dict, key: str, value: Any) -> None:
    """Set `key` in a scenario document: a dotted path of mapping keys and list indices
    (``timeline.0.day``); a key that itself holds dots, as a timeline entry's settings do
    (``timeline.0.set.policies.red_cells.enabled``), is matched whole."""
    node: Any = doc
    parts = key.split(".")
    while True:
        whole = ".".join(parts)
        if isinstance(node, dict) and (len(parts) == 1 or whole in node):
            node[whole] = value
            return
        head, parts = parts[0], parts[1:]
        if isinstance(node, list):
            index = int(head) if head.isdigit() else -1
            if not 0 <= index < len(node):
                raise ScenarioError(f"{key}: no item {head!r} in a list of {len(node)}")
            if not parts:
                node[index] = value
                return
            node = node[index]
        else:
            node = node.setdefault(head, {})


def fresh_seed() -> int:
    """A seed from fresh entropy (what Mesa does with ``rng=None``), small enough to write down."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def seed_from(rng: Any) -> int:
    """The integer seed a run is made with: `rng` itself if an integer; drawn from it if a NumPy
    Generator or SeedSequence; fresh entropy if None."""
    if rng is None:
        return fresh_seed()
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, SEED_MAX))
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or not 0 <= rng <= SEED_MAX:
        raise ValueError(f"rng: expected an integer seed from 0 to 2**63 - 1, a numpy Generator or SeedSequence, "
                         f"or None; found {rng!r}")
    return int(rng)


def validate_run(run: dict[str, Any]) -> RunSpec:
    """The run settings (seed, days, ...) checked against the schema; ValueError naming the bad one."""
    try:
        return RunSpec.model_validate(run, strict=True)
    except ValidationError as e:
        err = e.errors()[0]
        raise ValueError(f"{err['loc'][0]}: {err['msg'][:1].lower()}{err['msg'][1:]}, found {err['input']!r}") from None


def mesa_registry():
    """Mesa 3.3's class-level registry of agent ids by model (`mesa.Agent._ids`; gone from Mesa
    3.4.2), which keeps every model ever built alive; None where there is none."""
    ids = getattr(mesa.Agent, "_ids", None)
    return ids if hasattr(ids, "keys") else None


def forget(model: mesa.Model) -> None:
    """Let Mesa's registry drop `model`, so that its memory can go when nothing else holds it
    (a long-lived process: sweep workers, the workshop server)."""
    ids = mesa_registry()
    if ids is not None:
        ids.pop(model, None)


class CoGovModel(mesa.Model):
    """Multi-party co-governance of urban communities (党建引领城市基层治理).

    Keyword arguments only, so `mesa.batch_run` and `SolaraViz` can build it:

    * scenario: a Scenario, a YAML path or a document (default: all defaults);
    * rng: the seed, as in Mesa: an integer, a NumPy Generator or SeedSequence (a seed is drawn
      from it), or None for fresh entropy. The seed used is written into ``model.config.run.seed``
      (and read back as ``model.seed``), so ``model.config`` alone reproduces the run. The
      scenario's own ``run.seed`` is what `cogov run` and the experiment layers pass here;
    * days: run length in reported days (default: the scenario's ``run.days``), written into
      ``model.config`` too. The scenario's ``run.warmup_days`` are simulated first, inside the
      constructor, and not recorded: a new model stands at day 0 with the queues, trust and open
      disputes of the end of its warm-up (docs/ODD.md, Warm-up);
    * overrides: dotted paths to values, e.g. ``{"policies.grid_management.enabled": True}``;
    * record: the daily metrics the DataCollector records (names of the metric registry,
      `sim.metrics.registry.METRICS`); default None records every daily metric;
    * record_agents: resident variables recorded per resident each day, for
      ``datacollector.get_agent_vars_dataframe()`` (`sim.metrics.residents.RESIDENT_VARIABLES`;
      default: none, since a row per resident per day is large).

    The resolved scenario is `model.config` (Mesa 3.5 reserves `Model.scenario` for its own use).
    The DataCollector collects at the end of every day: row k is the state after day k + 1, and
    the last row is the end state that `summary()` and `summary.json` report.
    """

    def __init__(self, *, scenario: Scenario | str | Path | dict | None = None, rng: Any = None,
                 days: int | None = None, overrides: dict[str, Any] | None = None,
                 record: list[str] | tuple[str, ...] | None = None, record_agents: list[str] | tuple[str, ...] = ()):
        config = resolve_scenario(scenario, overrides)
        run = {**config.run.model_dump(), "seed": seed_from(rng), "days": config.run.days if days is None else days}
        self.config = config.model_copy(update={"run": validate_run(run)})
        super().__init__(rng=self.seed)
        self.day = self.first_day
        self.geography = build_geography(self.config)
        n_comm = len(self.geography.communities)
        # what each community works under now: the scenario's, until its timeline changes them
        self.sites = [layout.site for layout in self.geography.communities]
        self.policies = [self.config.policies] * n_comm
        self.dispute_specs = [self.config.disputes] * n_comm
        self.effects = CommunityEffects([Effects.from_policies(self.config.policies)] * n_comm)
        self.population = Population(self.config, self.geography, self.rng)
        self.population.first_agent_id = Resident(self).unique_id
        for _ in range(self.population.n - 1):
            Resident(self)
        self._index_rows()
        self._build_institutions()
        self.disputes = DisputeProcess(self)
        self.timeline = Timeline(self)
        self.last_inspection = np.full(n_comm, -(10**6), dtype=np.int64)
        self.supervision_effort = np.zeros(n_comm)
        self.household_rules: dict[int, HouseholdRule] = {}  # building → what its households decided
        self.datacollector = mesa.DataCollector(
            model_reporters=daily_reporters(None if record is None else list(record)),
            agent_reporters=resident_reporters(list(record_agents)))
        self.running = True
        self.warm_up()

    @property
    def seed(self) -> int:
        """The seed this run is made with (``config.run.seed``)."""
        return self.config.run.seed

    @property
    def first_day(self) -> int:
        """The first day simulated: −warmup_days (day 0 is the first reported day)."""
        return -self.config.run.warmup_days

    @property
    def days(self) -> int:
        """The run's length in days (``config.run.days``); setting it lengthens or shortens the run."""
        return self.config.run.days

    @days.setter
    def days(self, value: int) -> None:
        run = validate_run({**self.config.run.model_dump(), "days": value})
        self.config = self.config.model_copy(update={"run": run})
        self.running = self.day < self.days

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One day."""
        self._simulate_day()

    def _simulate_day(self) -> None:
        """One day's processes, without Mesa's step and time counters (the warm-up uses it)."""
        day = self.day
        self.disputes.book.new_day()
        self.timeline.apply_due(day)
        self.supervise(day)
        self.disputes.arise(day)
        self.disputes.detect(day)
        window = self.config.behaviour.participation.window_days
        ties_active = self.population.ties_active_share(day - 1, window)
        social_capital = self.population.knows_neighbours(day - 1, window, ties_active)
        self.disputes.residents_act(day, social_capital)
        self.disputes.renege(day)
        self.disputes.work(day)
        take_part(self, day, ties_active)
        collect_fees(self, day)
        for company in self.property_companies:
            company.provide_service()
        update_wellbeing(self, day)
        self.day += 1
        if self.day > 0:  # warm-up days are not recorded
            self.datacollector.collect(self)
        if self.day >= self.days:
            self.running = False

    def warm_up(self) -> None:
        """Simulate the warm-up days (day −warmup_days to −1) under the scenario's starting
        settings, then open the books at day 0 from where the system stands: the disputes still
        open are a stock carried in (with their case log), and the counts of work done (handlers,
        fees, inspections) start from zero."""
        while self.day < 0:
            self._simulate_day()  # not self.step(): Mesa's steps and time (batch_run's "Step") count reported days
        self.disputes.start_reporting()
        for company in self.property_companies:
            company.start_reporting()
        for district in self.districts:
            district.inspections = 0

    # ------------------------------------------------------------------------------------------
    def apply(self, changes: dict[str, Any] | None = None, *, scale: dict[str, float] | None = None,
              community: str | list[str] | None = None, street: str | list[str] | None = None,
              district: str | list[str] | None = None, label: str | None = None) -> TimelineEntry:
        """Change levers or institutional settings from today on, between steps: exactly what a
        timeline entry on this day does (the same code path), e.g.
        ``model.apply({"policies.red_cells.enabled": True}, street="street 1-2")``. The entry is
        added to ``model.config.timeline``, so the resolved scenario reproduces the run. Raises
        ScenarioError (one line) for a change a scenario's timeline would be refused."""
        entry = TimelineEntry(day=self.day, label=label, community=community, street=street, district=district,
                              set=dict(changes or {}), scale=dict(scale or {}))
        return self.timeline.add(entry)

    def decide(self, dispute: int, choice: Choice) -> None:
        """A person's decision for one dispute, as its complainant (a classroom's resident
        household, 居民户): used at the dispute's next decision instead of the model's rule, e.g.
        ``model.decide(17, Choice.REPORT_COMMITTEE)``. ValueError if the choice is not open to it
        now (``sim.disputes.choices.open_choices``)."""
        self.disputes.choose(int(dispute), Choice(choice))

    def decide_for_building(self, building: int, rule: HouseholdRule | None) -> None:
        """What the households of `building` do from today until they decide again (a
        classroom's resident household): with each new dispute, after a channel fails, and with
        the activities they are offered (`HouseholdRule`); None: their own rule decides again."""
        if not 0 <= building < self.geography.n_buildings:
            raise ValueError(f"building {building}: expected 0..{self.geography.n_buildings - 1}")
        if rule is None or rule == HouseholdRule():
            self.household_rules.pop(int(building), None)
        else:
            self.household_rules[int(building)] = rule

    def supervise(self, day: int) -> None:
        """S2: districts inspect their communities; with smart supervision (S5) lagging
        communities are visited between rounds. Effort rises after a visit and fades."""
        if not self.effects.any("supervision"):
            return
        backlogs = None  # open cases by community, counted once if a smart-supervision check needs them
        for district in self.districts:
            for c, layout in enumerate(self.geography.communities):
                fx = self.effects[c]
                if layout.district_index != district.index or not fx.supervision:
                    continue
                regular = district.inspects_on(day, fx.inspection_interval)
                lagging = fx.smart_supervision and day - self.last_inspection[c] >= TARGETED_GAP_DAYS
                if lagging:
                    backlogs = self.community_backlogs() if backlogs is None else backlogs
                    lagging = int(backlogs[c]) * 1000 / layout.households > TARGETED_BACKLOG
                if regular or lagging:
                    self.last_inspection[c] = day
                    district.inspections += 1
                    # the paperwork is shared by all staff; casework loses the mediators' share
                    rc = self.committees[c]
                    share = min(1.0, len(rc.mediators) / rc.staff)
                    self.disputes.handler(Channel.MEDIATION, c).take_time_off(day, fx.reporting_burden_days * share)
        for c in range(len(self.geography.communities)):
            effort = Effects.supervision_effort(self.effects[c].supervision_intensity, day - self.last_inspection[c])
            self.supervision_effort[c] = effort
            for ch in (Channel.PROPERTY_DESK, Channel.MEDIATION, Channel.PROFESSIONAL):
                self.disputes.handler(ch, c).speed = 1.0 - 0.3 * effort

    def community_backlogs(self) -> np.ndarray:
        """Cases waiting for or in the hands of a handler, by community."""
        b = self.disputes.book
        busy = (b.status == int(Status.WAITING)) | (b.status == int(Status.IN_SERVICE))
        return np.bincount(b.community[busy], minlength=len(self.geography.communities))

    # ------------------------------------------------------------------------------------------
    def _index_rows(self) -> None:
        pop = self.population
        n_comm = len(self.geography.communities)
        order = np.argsort(pop.community, kind="stable")
        bounds = np.searchsorted(pop.community[order], np.arange(n_comm + 1))
        self.community_rows = [order[bounds[c]:bounds[c + 1]] for c in range(n_comm)]
        self.community_owner_rows = [r[pop.owner[r]] for r in self.community_rows]
        self.community_head_rows = [r[pop.head[r]] for r in self.community_rows]
        # residents are stored building by building
        self.building_start = np.searchsorted(pop.building, np.arange(self.geography.n_buildings + 1))

    def _build_institutions(self) -> None:
        geo, pop = self.geography, self.population
        cc = self.config.policies.city_coordination
        self.city = City(self, self.config.city.name if self.config.city else "city", cc.strength if cc.enabled else 0.0)
        self.districts = [District(self, d, name) for d, name in enumerate(geo.districts)]
        self.streets = [StreetOffice(self, s, name, int(geo.street_district[s])) for s, name in enumerate(geo.streets)]
        self.party_orgs, self.committees, self.property_companies, self.owners_committees = [], [], [], []
        self.social_organisations: list[list[SocialOrganisation]] = []
        self.co_located_units: list[list[CoLocatedUnit]] = []
        self.grid_workers: list[GridWorker] = []
        for c, layout in enumerate(geo.communities):
            site = layout.site
            self.party_orgs.append(PartyOrganisation(self, c, site))
            self.committees.append(ResidentsCommittee(self, c, site))
            self.property_companies.append(PropertyCompany(self, c, site))
            self.owners_committees.append(OwnersCommittee(self, c, site))
            self.social_organisations.append(self.organisations_of(c))
            self.co_located_units.append(self.units_of(c))
            if self.effects[c].grid_management:
                self.staff_grids(c)
        self.red_cells_in_building = np.bincount(pop.building[pop.red_cell], minlength=geo.n_buildings)

    def organisations_of(self, c: int) -> list[SocialOrganisation]:
        """The site's social organisations, and those incubated (S4) where the lever is on."""
        fx, site = self.effects[c], self.sites[c]
        orgs = [SocialOrganisation(self, c, o.kind, o.capacity, o.funding) for o in site.social_organisations]
        orgs += [SocialOrganisation(self, c, INCUBATED_KINDS[k % len(INCUBATED_KINDS)], fx.incubated_capacity, fx.incubated_funding, incubated=True)
                 for k in range(fx.incubated_orgs)]
        return orgs

    def units_of(self, c: int) -> list[CoLocatedUnit]:
        """The site's co-located units, and an enterprise's pledge (S4) where the lever is on."""
        fx, site = self.effects[c], self.sites[c]
        units = [CoLocatedUnit(self, c, u.money_per_year, u.volunteer_hours_per_year) for u in site.co_located_units]
        if fx.enterprise_money or fx.enterprise_hours:
            units.append(CoLocatedUnit(self, c, fx.enterprise_money, fx.enterprise_hours, enterprise=True))
        return units

    def staff_grids(self, c: int) -> None:
        """S3 grid management: each grid (网格) of community `c` gets enough grid workers for its
        households; a worker covering more households than one can patrol at the set interval
        visits less often."""
        fx, geo, layout, rc = self.effects[c], self.geography, self.geography.communities[c], self.committees[c]
        buildings = np.arange(layout.building_offset, layout.building_offset + layout.buildings)
        households = np.bincount(geo.household_building, minlength=geo.n_buildings)
        for grid in np.unique(geo.building_grid[buildings]):
            in_grid = buildings[geo.building_grid[buildings] == grid]
            workers = max(1, math.ceil(households[in_grid].sum() / fx.households_per_grid_worker))
            for chunk in np.array_split(in_grid, workers):
                load = households[chunk].sum() / PATROL_HOUSEHOLDS
                interval = max(fx.patrol_interval, math.ceil(fx.patrol_interval * load))
                gw = GridWorker(self, layout.index, chunk, interval)
                rc.grid_workers.append(gw)
                self.grid_workers.append(gw)

    # ------------------------------------------------------------------------------------------
    def run(self) -> None:
        """Run to the end of the scenario's days."""
        while self.running:
            self.step()
