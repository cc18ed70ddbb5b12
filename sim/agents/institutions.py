"""The community's institutions, each a small Mesa agent (MODEL_BRIEF, Entities).

They hold the state the brief lists and do what only they do: the party organisation convenes and
mobilises, grid workers patrol, the property company collects fees and keeps up service. Cases are
worked by the handlers in `sim.disputes`, whose servers are these institutions' people.
"""

from __future__ import annotations

import mesa
import numpy as np

from ..scenario.schema import Site


class PartyOrganisation(mesa.Agent):
    """社区党组织 (S3): leads; convenes joint meetings; runs the red-cell programme."""

    def __init__(self, model, community: int, site: Site):
        super().__init__(model)
        fx = model.effects[community]
        self.community = community
        self.arrange(site, fx)
        pop = model.population
        self.members = np.flatnonzero((pop.community == community) & pop.party_member)
        self.party_members = len(self.members)
        volunteers = self.members[model.rng.random(len(self.members)) < fx.red_cell_share]
        pop.red_cell[volunteers] = True
        self.red_cell_volunteers = len(volunteers)
        self.volunteer_share = fx.red_cell_share

    def arrange(self, site: Site, fx) -> None:
        """Secretary and effort as the site says, unless the strong-party lever (S3) sets them."""
        self.secretary_capability = fx.secretary_capability_override if fx.secretary_capability_override is not None else site.party.secretary_capability
        self.mobilisation_effort = fx.mobilisation_effort_override if fx.mobilisation_effort_override is not None else site.party.mobilisation_effort

    def enrol_volunteers(self, share: float) -> None:
        """The red-cell programme (S3) changed mid-run: members join (or leave) so that each member
        volunteers with chance `share`, those already volunteering first to stay."""
        pop = self.model.population
        if share == self.volunteer_share:
            return
        serving = pop.red_cell[self.members]
        u = self.model.rng.random(len(self.members))
        if share > self.volunteer_share:
            join = ~serving & (u < (share - self.volunteer_share) / (1.0 - self.volunteer_share))
            pop.red_cell[self.members[join]] = True
        else:
            leave = serving & (u >= (share / self.volunteer_share if self.volunteer_share else 0.0))
            pop.red_cell[self.members[leave]] = False
        self.red_cell_volunteers = int(pop.red_cell[self.members].sum())
        self.volunteer_share = share

    def invitations_per_day(self) -> float:
        """Invitations the organisation itself sends (mobilisation effort × capability)."""
        return 10.0 * self.mobilisation_effort * (0.5 + self.secretary_capability) / 30.0


class ResidentsCommittee(mesa.Agent):
    """居委会 with its people's mediation committee, grid workers and service centre."""

    def __init__(self, model, community: int, site: Site):
        super().__init__(model)
        self.community = community
        self.mediators: list[Mediator] = []
        self.grid_workers: list[GridWorker] = []
        self.arrange(site, model.effects[community])

    def arrange(self, site: Site, fx) -> None:
        """Staff, skill and programme as the site says; people's mediators from the site and the
        multi-channel lever (S3) — hired, or retired last in first out."""
        spec = site.residents_committee
        shift = self.model.config.behaviour.latent.skill_per_sd * site.latent.committee_effectiveness
        self.staff, self.base_skill = spec.staff, float(np.clip(spec.skill + shift, 0.0, 1.0))
        self.service_centre_events_per_month = spec.service_centre_events_per_month
        wanted = spec.mediators + fx.extra_mediators
        while len(self.mediators) < wanted:
            self.mediators.append(Mediator(self.model, self.community))
        while len(self.mediators) > wanted:
            self.mediators.pop().remove()

    def skill(self, effort: float, effects) -> float:
        """Casework skill today: site skill, cadre training (S6, in its policy `effects`) and
        post-inspection effort (S2)."""
        return min(1.0, self.base_skill + effects.skill_gain + 0.2 * effort)


class Mediator(mesa.Agent):
    """人民调解员: one server of the community's mediation queue."""

    def __init__(self, model, community: int):
        super().__init__(model)
        self.community = community


class GridWorker(mesa.Agent):
    """网格员 (S3): patrols the buildings of a grid and notices disputes early."""

    def __init__(self, model, community: int, buildings: np.ndarray, patrol_interval: int):
        super().__init__(model)
        self.community = community
        self.buildings = buildings
        self.patrol_interval = patrol_interval

    def buildings_patrolled(self, day: int) -> np.ndarray:
        """Each building is visited once every `patrol_interval` days, staggered across the grid."""
        return self.buildings[(np.arange(len(self.buildings)) + day) % self.patrol_interval == 0]


class Patrols:
    """The rounds of some grid workers at once: the buildings they patrol on a day (the same as
    each one's `buildings_patrolled`) in one array operation instead of one per worker."""

    def __init__(self, workers: list[GridWorker]):
        self.workers = tuple(workers)
        self.buildings = np.concatenate([gw.buildings for gw in workers] or [np.empty(0, dtype=np.int64)])
        self.position = np.concatenate([np.arange(len(gw.buildings)) for gw in workers] or [np.empty(0, dtype=np.int64)])
        self.interval = np.concatenate([np.full(len(gw.buildings), gw.patrol_interval) for gw in workers]
                                       or [np.ones(0, dtype=np.int64)])

    def on(self, day: int) -> np.ndarray:
        return self.buildings[(self.position + day) % self.interval == 0]


class PropertyCompany(mesa.Agent):
    """物业服务企业: fee–service spiral; its desk handles property complaints."""

    FLAT_M2 = 70.0  # a typical flat; the fee is per square metre
    NORMAL_RESERVE_DAYS = 60.0  # the reserve a company keeps to fund normal service

    def __init__(self, model, community: int, site: Site):
        super().__init__(model)
        spec = site.property_company
        self.community = community
        self.present = spec.present
        self.staff = spec.staff
        self.households = site.households
        # a company better or worse than the type's usual one (site.latent): its quality and responsiveness
        self.quality_shift = model.config.behaviour.latent.quality_per_sd * site.latent.property_quality
        self.initial_quality = self.standard(spec) if spec.present else 0.3
        # the service a company of this type usually gives here: service below it brings more disputes
        self.usual_quality = spec.service_quality if spec.present else 0.3
        self.service_quality = self.initial_quality
        self.fee = spec.monthly_fee
        self.initial_fee = spec.monthly_fee
        self.cost_month = spec.cost_per_household_month * site.households
        self.budget = spec.reserve_months * self.cost_month if spec.present else 0.0
        self.bills = 0
        self.paid = 0
        self.revenue = 0.0
        self.spent = 0.0
        self.ledger: list[tuple[int, int, int]] = []  # (day, billed, paid) of every monthly billing
        self.set_responsiveness(spec, model.effects[community])

    def standard(self, spec) -> float:
        """The service quality its budget buys: the site's, moved by the company's latent quality."""
        return float(np.clip(spec.service_quality + self.quality_shift, 0.0, 1.0))

    def set_responsiveness(self, spec, fx) -> None:
        """Its own responsiveness (moved by its latent quality), raised by a party branch in the
        company (red property, S3)."""
        self.responsiveness = min(1.0, float(np.clip(spec.responsiveness + self.quality_shift, 0.0, 1.0)) + fx.responsiveness_gain)
        self.red_property = fx.responsiveness_gain > 0

    def arrange(self, spec, fx, changed: set[str]) -> None:
        """The settings a timeline changed (`changed`: names in site.property_company). A company
        arriving starts as the spec says (quality, fee, reserve); one leaving closes its desk (the
        caller hands its cases over)."""
        if "present" in changed and spec.present != self.present:
            if spec.present:
                self.present = True
                self.initial_quality = self.service_quality = self.standard(spec)
                self.usual_quality = spec.service_quality
                self.fee = self.initial_fee = spec.monthly_fee
                self.cost_month = spec.cost_per_household_month * self.households
                self.budget = spec.reserve_months * self.cost_month
            else:
                self.leave()
        if not self.present:
            return
        self.staff = spec.staff
        if "service_quality" in changed:  # a new standard: what its budget now buys, from now on
            self.initial_quality = self.service_quality = self.standard(spec)
            self.usual_quality = spec.service_quality
        if "monthly_fee" in changed:
            self.fee = spec.monthly_fee  # a rise is measured against the fee it started with
        if "cost_per_household_month" in changed:
            self.cost_month = spec.cost_per_household_month * self.households
        self.set_responsiveness(spec, fx)

    def fee_rise(self) -> float:
        """Relative rise of the fee over its starting level (0 when unchanged or lowered)."""
        return max(0.0, self.fee / self.initial_fee - 1) if self.present else 0.0

    def monthly_bill(self) -> float:
        return self.fee * self.FLAT_M2

    def collect(self, paid: int, billed: int, day: int) -> None:
        self.ledger.append((day, billed, paid))
        self.bills += billed
        self.paid += paid
        income = paid * self.monthly_bill()
        self.revenue += income
        self.budget += income

    def provide_service(self) -> None:
        """Spend in proportion to the reserve held (a normal reserve funds full-cost service, a
        surplus up to 25 % more); quality follows spending. No company: a basic level of 0.3."""
        if not self.present:
            self.service_quality += 0.02 * (0.3 - self.service_quality)
            return
        need = self.cost_month / 30.0
        spend = min(self.budget, need * min(1.25, self.budget / (need * self.NORMAL_RESERVE_DAYS)))
        self.budget -= spend
        self.spent += spend
        target = self.initial_quality * spend / need
        self.service_quality += 0.02 * (min(1.0, target) - self.service_quality)

    def start_reporting(self) -> None:
        """The end of the warm-up: bills, payments and spending count from day 0."""
        self.bills = self.paid = 0
        self.revenue = self.spent = 0.0
        self.ledger = []

    def leave(self) -> None:
        self.present = False
        self.budget = 0.0


class OwnersCommittee(mesa.Agent):
    """业委会: represents owners against the property company; convenes assemblies."""

    def __init__(self, model, community: int, site: Site):
        super().__init__(model)
        spec = site.owners_committee
        self.community = community
        self.present = spec.present
        self.legitimacy = spec.legitimacy
        self.arrange(spec, set())

    def arrange(self, spec, changed: set[str]) -> None:
        """Formed or dissolved, its standing and its rhythm, as a timeline changed them. A newly
        formed committee starts with the spec's legitimacy."""
        if "present" in changed and spec.present and not self.present:
            self.legitimacy = spec.legitimacy
        self.present = spec.present
        if "legitimacy" in changed:
            self.legitimacy = spec.legitimacy
        self.assembly_interval = spec.assembly_interval_days
        self.phase = (7 * self.community + 15) % spec.assembly_interval_days

    def holds_assembly(self, day: int) -> bool:
        return self.present and day % self.assembly_interval == self.phase

    def after_assembly(self, turnout: float) -> None:
        """Turnout lends the committee legitimacy (or drains it)."""
        self.legitimacy += 0.2 * (min(1.0, 2 * turnout) - self.legitimacy)


class SocialOrganisation(mesa.Agent):
    """社会组织 (S3, S4): volunteer teams and interest groups create activities and invite;
    legal aid and counselling staff the professional channel."""

    def __init__(self, model, community: int, kind: str, capacity: int, funding: float, incubated: bool = False):
        super().__init__(model)
        self.community = community
        self.kind = kind
        self.capacity = capacity
        self.funding = funding
        self.incubated = incubated


class CoLocatedUnit(mesa.Agent):
    """驻区单位/企业 (S3, S4): money and volunteer hours under co-construction agreements."""

    def __init__(self, model, community: int, money_per_year: float, volunteer_hours_per_year: float, enterprise: bool = False):
        super().__init__(model)
        self.community = community
        self.money_per_year = money_per_year
        self.volunteer_hours_per_year = volunteer_hours_per_year
        self.enterprise = enterprise
