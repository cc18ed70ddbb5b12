"""The dispute lifecycle (矛盾纠纷): arise → noticed → routed → handled → resolved, escalated one
rung up, or abandoned. Every step is written to the case log.

Residents decide by grievance against cost (after Epstein 2002: grievance = hardship × (1 −
legitimacy)); handlers are capacity-limited queues; success depends on channel × category × skill
and on whether the dispute's parties sit at the table.
"""

from __future__ import annotations

import math

import numpy as np

from ..agents.institutions import Patrols
from ..agents.residents import SocialCapital
from ..mathx import cumulative, draw_index, logistic, logit
from ..scenario.schema import CATEGORIES
from .book import NOTICE_DETAIL, Detail, DisputeBook, Event, Notice, Status
from .choices import AFTER_FAILURE, FOR_NEW_DISPUTES, REPORT_TO, Choice, open_choices
from .handlers import Handler, PeriodicHandler
from .ladder import (
    BUILDING_SENSITIVE, CATEGORY_FIT, CHANNELS_AT, INVOLVES_PROPERTY, LEVEL_INDEX, OWNER, OWNER_CODE, PARTY_MIX, PROFESSIONAL_FIT,
    QUALITY_SENSITIVE, RUNG, RUNG_COST_KEY, SAFETY_SENSITIVE, TOP_RUNG, Channel, Institution, PartyType,
)

CATEGORY_CODES = np.arange(len(CATEGORIES))
#: by category: is its rate moved by property service quality, by fee rises, by a safe-community campaign?
QUALITY_COLUMNS = np.array([c in QUALITY_SENSITIVE for c in CATEGORIES])
FEE_COLUMNS = np.array([c == "property_service" for c in CATEGORIES])
SAFETY_COLUMNS = np.array([c in SAFETY_SENSITIVE for c in CATEGORIES])
#: per category: the party types and their cumulative probabilities (PARTY_MIX as arrays)
PARTY_CHOICES = [(np.array([int(t) for t in PARTY_MIX[c]]), cumulative(np.array(list(PARTY_MIX[c].values()))))
                 for c in CATEGORIES]
COMMUNITY_HANDLED = (Channel.PROPERTY_DESK, Channel.MEDIATION, Channel.JOINT_MEETING, Channel.PROFESSIONAL)
NEGOTIATION_DAYS = 3.0  # mean length of a bilateral negotiation
MISROUTE_DELAY_DAYS = 3.0  # mean delay before a misrouted case is passed to the right desk
SMALL_DISPUTE = 0.4  # severity below which a grid worker may settle a dispute on the spot
GRIEVANCE_DAYS = 90  # an abandoned grievance weighs on satisfaction this long


def joint_phase(community: int, interval: int) -> int:
    """The day (modulo the interval) a community's joint meetings fall on, staggered across
    communities so that a street's meetings are not all on one day."""
    return (5 + 3 * community) % interval


class DisputeProcess:
    """Owns the dispute book and every handler; the model calls its phases in order each day."""

    def __init__(self, model):
        self.m = model
        self.book = DisputeBook(communities=len(model.geography.communities))
        hs = model.config.handlers
        self.community_handlers: list[dict[Channel, Handler]] = []
        start = float(model.day)  # servers are free from the first day simulated
        for c in range(len(model.geography.communities)):
            fx = model.effects[c]
            company = model.property_companies[c]
            self.community_handlers.append({
                Channel.PROPERTY_DESK: Handler(Channel.PROPERTY_DESK, company.staff if company.present else 0, hs.property_desk, c, opens=start),
                Channel.MEDIATION: Handler(Channel.MEDIATION, len(model.committees[c].mediators), hs.mediation, c, opens=start),
                Channel.JOINT_MEETING: PeriodicHandler(Channel.JOINT_MEETING, fx.joint_cases if fx.joint_meetings else 0,
                                                       hs.joint_meeting, c, fx.joint_interval, joint_phase(c, fx.joint_interval), opens=start),
                Channel.PROFESSIONAL: Handler(Channel.PROFESSIONAL, self.professionals(c), hs.professional, c, opens=start),
            })
        self.street_handlers = [Handler(Channel.STREET, hs.street.servers, hs.street, s, opens=start) for s in range(len(model.geography.streets))]
        self.district_handlers = [Handler(Channel.DISTRICT, hs.district.servers, hs.district, d, opens=start)
                                  for d in range(len(model.geography.districts))]
        self.hotline = Handler(Channel.CITY_HOTLINE, hs.city_hotline.servers, hs.city_hotline, 0, opens=start)
        self.court = Handler(Channel.COURT, hs.court.servers, hs.court, 0, opens=start)
        self._handlers = ([h for d in self.community_handlers for h in d.values()]
                          + self.street_handlers + self.district_handlers + [self.hotline, self.court])
        #: the ladder as each community's disputes meet it: by community and rung, each channel with
        #: the handler a case sent there joins
        self.ladder = [[[(ch, self.handler(ch, c)) for ch in CHANNELS_AT[r] if ch != Channel.SELF] for r in range(TOP_RUNG + 1)]
                       for c in range(len(model.geography.communities))]
        self.patrols: Patrols | None = None  # the grid workers' rounds (detect)
        self.visible_results = np.full(len(model.geography.communities), 0.5)  # moving average of outcomes
        # each institution's record in each community (community × institution): a moving average of
        # case experiences from 0, with the weight it has reached, so that an institution nobody has
        # dealt with has no record either way
        n = len(model.geography.communities)
        self.performance, self.performance_weight = np.zeros((n, len(Institution))), np.zeros((n, len(Institution)))
        self.base_rates = np.array([self.rates_of(c, model.dispute_specs[c]) for c in range(len(model.geography.communities))])
        self.choices: dict[int, Choice] = {}  # a person's decision for a dispute, used at its next decision
        self._anchors: tuple = (None, ())  # (aspiration settings, their anchors): see anchors()

    def rates_of(self, c: int, spec) -> list[float]:
        """Disputes per day of community `c`, by category, under dispute settings `spec`."""
        layout = self.m.geography.communities[c]
        # buildings better or worse kept than the type's usual (site.latent) need fewer or more repairs
        worn = np.exp(-self.m.config.behaviour.latent.building_rate_per_sd * layout.site.latent.building_condition)
        return [spec.rates[layout.site.type][cat] * spec.rate_multiplier * layout.households / 1000.0 / 365.0
                * (worn if cat in BUILDING_SENSITIVE else 1.0) for cat in CATEGORIES]

    def professionals(self, c: int) -> int:
        """Servers of the professional channel: people sent down (S3) and the legal-aid and
        counselling organisations' people."""
        return self.m.effects[c].professionals_per_community + sum(
            o.capacity for o in self.m.social_organisations[c] if o.kind in ("legal_aid", "counselling"))

    def start_reporting(self) -> None:
        """The end of the warm-up: the book keeps the open disputes only (renumbered), and the
        handlers their queues and nothing of the work done so far."""
        new_id = self.book.carry_over()
        for h in self.all_handlers():
            h.start_reporting(new_id)
        self.choices = {int(new_id[i]): c for i, c in self.choices.items() if new_id[i] >= 0}

    def choose(self, i: int, choice: Choice) -> None:
        """A person's decision for dispute `i` (`Choice`), used at its next decision instead of the
        model's rule; ValueError, naming what is open, if the choice is not open to it now."""
        if not 0 <= i < self.book.n:
            raise ValueError(f"dispute {i}: no such dispute")
        allowed = open_choices(self, i)
        if choice not in allowed:
            names = ", ".join(c.name.lower() for c in allowed) or "nothing (it is closed)"
            raise ValueError(f"dispute {i}: {Choice(choice).name.lower()} is not open to it now (open: {names})")
        self.choices[i] = Choice(choice)

    def chosen_for(self, i: int, new: bool) -> Choice | None:
        """The decision for dispute `i` at this step (`new`: as it arises, else after a failure):
        its own (used up), else its building's rule — whichever is open to it now."""
        stage = FOR_NEW_DISPUTES if new else AFTER_FAILURE
        own = self.choices.pop(i, None) if self.choices else None
        rule = self.m.household_rules.get(int(self.m.population.building[self.book.complainant[i]])) if self.m.household_rules else None
        for choice in (own, None if rule is None else (rule.new_disputes if new else rule.after_failure)):
            if choice is not None and choice in stage and choice in open_choices(self, i):
                return choice
        return None

    def act_as_chosen(self, latent: np.ndarray, day: int) -> np.ndarray:
        """Latent disputes whose complainant decided (`choose`, a building's rule) are reported
        where they said, negotiated or let go at midday; returns those left to the model's rule."""
        b = self.book
        decided = [(int(i), self.chosen_for(int(i), True)) for i in latent]
        chosen = np.array([c is not None for _, c in decided], dtype=bool)
        t = day + 0.5
        for i, choice in decided:
            if choice is None:
                continue
            if choice == Choice.LET_GO:
                b.close(i, t, Status.ABANDONED, -1, Detail.CHOSEN)
            elif choice == Choice.NEGOTIATE:
                b.set(i, notice=Notice.NEGOTIATED)
                self.negotiate(i, t, Detail.CHOSEN)
            else:
                to = REPORT_TO[choice]
                b.mark_noticed(i, t, Notice.REPORTED, Detail.CHOSEN)
                self.route(i, RUNG[to], t, Detail.CHOSEN, to=to)
        return latent[~chosen]

    # ----------------------------------------------------------------------------------------
    def handler(self, channel: Channel, community: int) -> Handler:
        if channel in COMMUNITY_HANDLED:
            return self.community_handlers[community][channel]
        if channel == Channel.STREET:
            return self.street_handlers[self.m.geography.communities[community].street_index]
        if channel == Channel.DISTRICT:
            return self.district_handlers[self.m.geography.communities[community].district_index]
        return self.hotline if channel == Channel.CITY_HOTLINE else self.court

    def all_handlers(self) -> list[Handler]:
        """Every handler, community desks to court (the same objects for the whole run)."""
        return self._handlers

    def open_channels(self, rung: int, community: int, party_type: int) -> list[Channel]:
        """The channels at `rung` open to a dispute of `party_type` in `community`: staffed, and
        the property desk only for a dispute with the property company, where there is one."""
        return [ch for ch, h in self.ladder[community][rung]
                if h.open and (ch != Channel.PROPERTY_DESK or (party_type in INVOLVES_PROPERTY and self.m.property_companies[community].present))]

    def available(self, channel: Channel, community: int, party_type: int) -> bool:
        """Whether `channel` is open to a dispute of `party_type` in `community` (`open_channels`)."""
        return channel in self.open_channels(RUNG[channel], community, party_type)

    # ----------------------------------------------------------------------------------------
    def arise(self, day: int) -> None:
        """New latent disputes: Poisson counts per community and category, at base rates raised
        by poor property service and fee rises and lowered by a safe-community campaign."""
        m, rng = self.m, self.m.rng
        companies = m.property_companies
        worse_service = np.array([max(0.2, 1.0 + spec.quality_sensitivity * (pc.usual_quality - pc.service_quality))
                                  for pc, spec in zip(companies, m.dispute_specs)])
        fee_rise = np.array([pc.fee_rise() for pc in companies])
        lam = self.base_rates.copy()
        np.multiply(lam, worse_service[:, None], out=lam, where=QUALITY_COLUMNS)
        np.multiply(lam, (1.0 + fee_rise)[:, None], out=lam, where=FEE_COLUMNS)  # fee rises bring fee disputes
        np.multiply(lam, m.effects.of("safety_rate_factor")[:, None], out=lam, where=SAFETY_COLUMNS)
        counts = rng.poisson(lam)
        for c in counts.sum(axis=1).nonzero()[0].tolist():
            here = counts[c]
            category = CATEGORY_CODES.repeat(here)  # in category order: category k's are rows end[k] − here[k] .. end[k]
            end = here.cumsum().tolist()
            party = np.empty(len(category), dtype=np.int64)
            for k in here.nonzero()[0].tolist():
                types, cdf = PARTY_CHOICES[k]
                n = int(here[k])
                party[end[k] - n: end[k]] = types[draw_index(rng, cdf, n)]
            if not companies[c].present:
                party[np.isin(party, list(INVOLVES_PROPERTY))] = PartyType.RESIDENT_INSTITUTION
            rows, owners = m.community_rows[c], m.community_owner_rows[c]
            complainant = rows[rng.integers(0, len(rows), size=len(category))]
            by_owner = party == int(PartyType.OWNERS_PROPERTY)
            if len(owners) and by_owner.any():
                complainant[by_owner] = owners[rng.integers(0, len(owners), size=int(by_owner.sum()))]
            spec = m.dispute_specs[c]
            severity = rng.beta(spec.severity_alpha, spec.severity_beta, size=len(category))
            self.book.add(c, category, party, severity, complainant, day)

    # ----------------------------------------------------------------------------------------
    def detect(self, day: int) -> None:
        """Grid workers on patrol (S3) and red-cell volunteers (S3) notice latent disputes."""
        m, rng, fx, book = self.m, self.m.rng, self.m.effects, self.book
        if not (fx.any("grid_management") or fx.any("red_cells")):
            return  # nobody patrols or watches a building
        latent = book.with_status(Status.LATENT)
        if len(latent) == 0:
            return
        building = m.population.building[book.complainant[latent]]
        found = np.zeros(len(latent), dtype=bool)
        by_grid = np.zeros(len(latent), dtype=bool)
        community = book.community[latent]
        if fx.any("grid_management"):
            patrolled = np.zeros(m.geography.n_buildings, dtype=bool)
            if self.patrols is None or self.patrols.workers != tuple(m.grid_workers):  # kept until a timeline re-staffs
                self.patrols = Patrols(m.grid_workers)
            patrolled[self.patrols.on(day)] = True
            effort = m.supervision_effort[community]
            p = np.minimum(1.0, fx.of("patrol_detection")[community] * (1 + 0.5 * effort))
            by_grid = patrolled[building] & (rng.random(len(latent)) < p)
            found |= by_grid
        if fx.any("red_cells"):
            v = m.red_cells_in_building[building]
            p = 1 - (1 - fx.of("red_cell_detection")[community]) ** v
            found |= ~found & (rng.random(len(latent)) < p)
        for j in found.nonzero()[0]:
            i = int(latent[j])
            how = Notice.GRID_WORKER if by_grid[j] else Notice.RED_CELL
            t = day + 0.5
            book.mark_noticed(i, t, how, NOTICE_DETAIL[how])
            if how == Notice.GRID_WORKER and book.severity[i] < SMALL_DISPUTE and rng.random() < fx[int(community[j])].early_mediation_success:
                book.set(i, rung=RUNG[Channel.MEDIATION], highest_rung=RUNG[Channel.MEDIATION], channel=Channel.MEDIATION)
                book.log(i, t, Event.ROUTE, Channel.MEDIATION, Detail.ON_THE_SPOT)
                self.conclude(i, t, Channel.MEDIATION, True)
            elif how == Notice.RED_CELL and int(book.party_type[i]) == PartyType.RESIDENT_RESIDENT:
                self.negotiate(i, t, Detail.RED_CELL_HELPS)
            else:
                self.route(i, 1, t, NOTICE_DETAIL[how])

    # ----------------------------------------------------------------------------------------
    def residents_act(self, day: int, social_capital: SocialCapital) -> None:
        """Parties to latent disputes lump it, negotiate, or report; negotiations conclude."""
        m, rng, rep = self.m, self.m.rng, self.m.config.behaviour.reporting
        b = self.book
        fx = m.effects
        pop = m.population
        latent = b.with_status(Status.LATENT)
        if (self.choices or m.household_rules) and len(latent):
            latent = self.act_as_chosen(latent, day)
        if len(latent):
            who = b.complainant[latent]
            sev = b.severity[latent]
            sc = social_capital[who]
            trust_rc = pop.trust[who, Institution.RESIDENTS_COMMITTEE]
            p_lump = rep.lump_hazard * (1 - sev)
            hazard = (rep.act_hazard * fx.of("report_ease")[b.community[latent]] * (0.5 + sev) * (1 + rep.social_capital_bonus * 2 * sc)
                      * (0.5 + trust_rc) * self.voice(pop.aspiration[who, Institution.RESIDENTS_COMMITTEE], Institution.RESIDENTS_COMMITTEE))
            p_act = 1 - np.exp(-hazard)
            u = rng.random(len(latent))
            for j in (u < p_lump + p_act).nonzero()[0]:
                i = int(latent[j])
                t = day + float(rng.random())
                if u[j] < p_lump[j]:
                    b.close(i, t, Status.ABANDONED, -1)  # lumped: a grievance that never became a claim
                    continue
                if int(b.party_type[i]) == PartyType.RESIDENT_RESIDENT and rng.random() < rep.negotiate_first * (0.6 + 0.8 * sc[j]):
                    b.set(i, notice=Notice.NEGOTIATED)
                    self.negotiate(i, t)
                else:
                    b.mark_noticed(i, t, Notice.REPORTED, Detail.REPORTED)
                    self.route(i, 1, t, Detail.REPORTED)
        talks = b.with_status(Status.NEGOTIATING)
        for i in talks[b.act_time[talks] < day + 1]:
            i = int(i)
            t = float(b.act_time[i])
            # a red-cell volunteer who helps brings the neighbourly standing the parties may lack
            sc = 1.0 if int(b.notice[i]) == Notice.RED_CELL else social_capital[b.complainant[i]]
            p = rep.self_success + rep.social_capital_bonus * sc - 0.5 * (b.severity[i] - 0.3)
            self.conclude(i, t, Channel.SELF, rng.random() < p)

    def negotiate(self, i: int, t: float, detail: Detail = Detail.NONE) -> None:
        """Bilateral negotiation (双方协商): the parties talk it over for a few days."""
        b = self.book
        b.set(i, status=Status.NEGOTIATING, channel=Channel.SELF, rung=0, highest_rung=0,
              act_time=t + self.m.rng.exponential(NEGOTIATION_DAYS))
        b.log(i, t, Event.NEGOTIATE, Channel.SELF, detail)

    def renege(self, day: int) -> None:
        """Residents give up on cases waiting in a queue they reached before today, more readily
        when they distrust the channel."""
        m, b = self.m, self.book
        waiting = b.with_status(Status.WAITING)
        let_go = [int(i) for i in waiting if self.choices.get(int(i)) == Choice.LET_GO] if self.choices else []
        waiting = waiting[b.ready_time[waiting] < day]
        if let_go:  # those who decided to leave the queue leave it today
            waiting = waiting[~np.isin(waiting, let_go)]
        if len(waiting) == 0 and not let_go:
            return
        owner = OWNER_CODE[b.channel[waiting]]  # every waiting case is at an institution's channel
        trust = m.population.trust[b.complainant[waiting], owner]
        p = m.config.behaviour.reporting.renege_hazard * (1 - trust)
        gone = let_go + [int(i) for i in waiting[m.rng.random(len(waiting)) < p]]
        by_handler: dict[int, tuple[Handler, set[int]]] = {}
        for i in gone:
            h = self.handler(Channel(int(b.channel[i])), int(b.community[i]))
            by_handler.setdefault(id(h), (h, set()))[1].add(i)
        for h, cases in by_handler.values():
            h.remove(cases)
        for i in gone:
            ch = Channel(int(b.channel[i]))
            self.adapt(i, ch, self.learn(i, ch, False, day + 0.5))
            self.give_up(i, day + 0.5, int(b.channel[i]), Detail.CHOSEN if i in let_go else Detail.GAVE_UP_WAITING)

    # ----------------------------------------------------------------------------------------
    def work(self, day: int) -> None:
        """Every handler works its queue through the day; finished cases succeed or fail."""
        b, rng = self.book, self.m.rng
        for h in self.all_handlers():
            started, completed = h.work(day, rng)
            for i, t in started:
                b.set(i, status=Status.IN_SERVICE)
                b.log(i, t, Event.START, h.channel)
            for i, t in completed:
                self.conclude(i, t, h.channel, rng.random() < self.success_probability(i, h.channel))

    def success_probability(self, i: int, ch: Channel) -> float:
        """Channel × category × skill, the right parties at the table, and severity."""
        m, b = self.m, self.book
        c = int(b.community[i])
        party = int(b.party_type[i])
        cat = CATEGORIES[int(b.category[i])]
        fx = m.effects[c]
        x = logit(self.handler(ch, c).spec.base_success) - 2.5 * (b.severity[i] - 0.3) + CATEGORY_FIT[ch].get(cat, 0.0)
        effort = float(m.supervision_effort[c])
        if ch in (Channel.MEDIATION, Channel.PROFESSIONAL, Channel.JOINT_MEETING):
            x += 2.0 * (m.committees[c].skill(effort, fx) - 0.5)
        if ch == Channel.PROPERTY_DESK:
            company = m.property_companies[c]
            x += 2.0 * (min(1.0, company.responsiveness + 0.3 * effort) - 0.5) + 1.5 * (company.service_quality - 0.5)
        if ch == Channel.MEDIATION and party in INVOLVES_PROPERTY:
            x += -0.6 + 0.5 * fx.property_cooperation_logit  # the company is not at the table
        if ch == Channel.JOINT_MEETING:
            x += self.joint_meeting_bonus(c, party)
        if ch in (Channel.STREET, Channel.DISTRICT, Channel.CITY_HOTLINE):
            x += fx.escalated_success_logit  # S1: coordination across departments
        return float(logistic(x))

    def joint_meeting_bonus(self, c: int, party: int) -> float:
        """S1, S3, Ostrom et al. 1992: a forum works when the dispute's parties are present."""
        m, fx = self.m, self.m.effects[c]
        at = fx.attendees
        x = 1.5 * (m.party_orgs[c].secretary_capability - 0.5)
        if party in INVOLVES_PROPERTY:
            x += (0.8 + fx.property_cooperation_logit) if ("property_company" in at and m.property_companies[c].present) else -0.5
        if party == PartyType.OWNERS_PROPERTY and "owners_committee" in at and m.owners_committees[c].present:
            x += 0.8 * m.owners_committees[c].legitimacy
        if party == PartyType.RESIDENT_INSTITUTION and "street_office" in at:
            x += 0.4
        # every other party at the table that exists here brings something
        x += 0.2 * ("residents_committee" in at)
        x += 0.2 * ("social_organisations" in at and bool(m.social_organisations[c]))
        x += 0.2 * ("co_located_units" in at and bool(m.co_located_units[c]))
        return x

    # ----------------------------------------------------------------------------------------
    def conclude(self, i: int, t: float, ch: Channel, success: bool) -> None:
        b = self.book
        c = int(b.community[i])
        if success:
            b.close(i, t, Status.RESOLVED, ch)
            self.settled(i, t, True)
        else:
            b.log(i, t, Event.FAIL, ch)
        experience = self.learn(i, ch, success, t)
        if ch in COMMUNITY_HANDLED or ch == Channel.SELF:
            self.visible_results[c] += 0.05 * (float(success) - self.visible_results[c])
        if not success:
            self.escalate_or_abandon(i, t, ch)  # judged against what they expected before this outcome
        self.adapt(i, ch, experience)

    def escalate_or_abandon(self, i: int, t: float, failed: Channel) -> None:
        """Grievance = hardship × (1 − legitimacy of the failed channel); escalate when it exceeds
        the next rung's cost; otherwise give up and carry the grievance."""
        m, b, rng = self.m, self.book, self.m.rng
        choice = self.chosen_for(i, False) if self.choices or m.household_rules else None
        if choice is not None:  # the complainant decided what happens after a failure
            nxt = self.next_rung(RUNG[failed] + 1, int(b.community[i]), int(b.party_type[i])) if choice == Choice.ESCALATE else None
            if nxt is not None:
                self.escalate(i, t, failed, nxt, Detail.CHOSEN)
            else:
                self.give_up(i, t, failed, Detail.CHOSEN)
            return
        rep = m.config.behaviour.reporting
        who = int(b.complainant[i])
        owner = OWNER[failed]
        legitimacy = 0.5 if owner is None else float(m.population.trust[who, owner])
        voice = 1.0 if owner is None else float(self.voice(m.population.aspiration[who, owner], owner))
        grievance = float(b.severity[i]) * (1 + 0.3 * int(b.escalations[i])) * (1 - legitimacy) * 2 * voice
        nxt = self.next_rung(RUNG[failed] + 1, int(b.community[i]), int(b.party_type[i]))
        if nxt is not None:
            cost = rep.channel_cost.get(RUNG_COST_KEY[nxt], 0.5) - m.effects[int(b.community[i])].report_cost_cut
            if grievance - cost + rng.normal(0, rep.escalation_noise) > rep.escalation_threshold:
                self.escalate(i, t, failed, nxt)
                return
        self.give_up(i, t, failed)

    def escalate(self, i: int, t: float, failed: Channel, rung: int, detail: Detail = Detail.NONE) -> None:
        """The complainant takes the case from the channel that failed to `rung` (向上反映)."""
        b = self.book
        b.cols["escalations"][i] += 1
        b.log(i, t, Event.ESCALATE, failed, detail)
        if np.isnan(b.noticed_time[i]):
            b.mark_noticed(i, t, Notice.REPORTED, Detail.REPORTED)
        self.route(i, rung, t, Detail.ESCALATED)

    def give_up(self, i: int, t: float, channel: int, detail: Detail = Detail.NONE) -> None:
        """The complainant abandons the dispute; the grievance stays and weighs on their
        satisfaction and security for a while."""
        self.book.close(i, t, Status.ABANDONED, channel, detail)
        self.settled(i, t, False)
        who = int(self.book.complainant[i])
        pop = self.m.population
        pop.grievance_until[who] = max(int(pop.grievance_until[who]), math.floor(t) + GRIEVANCE_DAYS)

    def next_rung(self, rung: int, c: int, party: int) -> int | None:
        """The first rung at or above `rung` with a channel open to this dispute."""
        found = self.next_open(rung, c, party)
        return None if found is None else found[0]

    def next_open(self, rung: int, c: int, party: int) -> tuple[int, list[Channel]] | None:
        """The first rung at or above `rung` with a channel open to this dispute, and those channels."""
        for r in range(max(rung, 1), TOP_RUNG + 1):
            options = self.open_channels(r, c, party)
            if options:
                return r, options
        return None

    def route(self, i: int, rung: int, t: float, reason: Detail, to: Channel | None = None) -> None:
        """Send a case to a channel at (or, if that rung is empty, above) `rung`: `to` if the
        complainant named one that is open, else one chosen by their trust and the channel's fit;
        cases may be misrouted and bounce."""
        m, b, rng = self.m, self.book, self.m.rng
        c, party = int(b.community[i]), int(b.party_type[i])
        fx = m.effects[c]
        found = self.next_open(rung, c, party)
        if found is None:
            self.give_up(i, t, -1, Detail.NO_CHANNEL)
            return
        r, options = found
        if to in options:
            ch = to
        elif len(options) > 1:
            who = int(b.complainant[i])
            cat = CATEGORIES[int(b.category[i])]
            u = np.array([3.0 * m.population.trust[who, OWNER[ch]] + self.fit(ch, party, cat) for ch in options])
            p = np.exp(u - u.max())
            ch = options[int(draw_index(rng, cumulative(p / p.sum())))]
        else:
            ch = options[0]
        h = self.handler(ch, c)
        ready = t + h.handoff_days * fx.handoff_factor
        b.set(i, status=Status.WAITING, channel=ch, rung=r, highest_rung=max(r, int(b.highest_rung[i])))
        b.log(i, t, Event.ROUTE, ch, reason)
        if ch in LEVEL_INDEX and reason == Detail.ESCALATED:
            b.escalated_today[LEVEL_INDEX[ch]] += 1
        if rng.random() < fx.misroute_probability:
            ready += rng.exponential(MISROUTE_DELAY_DAYS)
            b.cols["misroutes"][i] += 1
            b.log(i, t, Event.MISROUTE, ch, Detail.WRONG_DESK)
        b.set(i, ready_time=ready)
        h.submit(i, ready)
        b.log(i, ready, Event.ENQUEUE, ch)

    @staticmethod
    def fit(ch: Channel, party: int, cat: str) -> float:
        """How natural a channel is for a dispute, on the scale of 3 × trust."""
        if ch == Channel.PROPERTY_DESK:
            return 1.0
        if ch == Channel.JOINT_MEETING:
            return 1.0 if party != PartyType.RESIDENT_RESIDENT else -0.5
        if ch == Channel.PROFESSIONAL:
            return 1.0 if cat in PROFESSIONAL_FIT else -0.5
        if ch == Channel.CITY_HOTLINE:
            return 0.3
        return 0.0

    def credited(self, ch: Channel, c: int) -> list[int]:
        """The institutions a case's outcome at channel `ch` is seen as the work of: the channel's
        owner and, at a joint meeting, every institution at the table (the residents' committee,
        the property company, the street office for government)."""
        owner = OWNER[ch]
        if owner is None:
            return []
        out = [int(owner)]
        if ch == Channel.JOINT_MEETING:
            at = self.m.effects[c].attendees
            out += [int(k) for k, who in ((Institution.RESIDENTS_COMMITTEE, "residents_committee"),
                                          (Institution.PROPERTY_COMPANY, "property_company"),
                                          (Institution.GOVERNMENT, "street_office"))
                    if who in at and (k != Institution.PROPERTY_COMPANY or self.m.property_companies[c].present)]
        return out

    def experience_of(self, i: int, success: bool, t: float) -> float:
        """How a case went for its complainant, 0..1: a resolution is worth 1, less the wait
        penalty in proportion to the days since it was reported (up to the patience); a failure
        or giving up is worth 0."""
        if not success:
            return 0.0
        spec = self.m.config.behaviour.trust
        noticed = self.book.noticed_time[i]
        waited = 0.0 if np.isnan(noticed) else max(0.0, t - float(noticed))
        return 1.0 - spec.wait_penalty * min(1.0, waited / spec.patience_days)

    def record(self, c: int, institutions, x: float) -> None:
        """An experience `x` enters the record of `institutions` in community `c`."""
        memory = 1.0 / self.m.config.behaviour.trust.memory_cases
        for k in institutions:
            self.performance[c, k] += memory * (x - self.performance[c, k])
            self.performance_weight[c, k] += memory * (1.0 - self.performance_weight[c, k])

    def settled(self, i: int, t: float, success: bool) -> None:
        """A dispute that reached an institution ends (resolved, or given up): how it ended enters the
        record of the party organisation and the residents' committee, who answer for the
        community's governance."""
        if self.choices:
            self.choices.pop(i, None)  # a closed dispute has no next decision
        if self.book.highest_rung[i] >= 1:
            self.record(int(self.book.community[i]), (Institution.PARTY, Institution.RESIDENTS_COMMITTEE),
                        self.experience_of(i, success, t))

    def learn(self, i: int, ch: Channel, success: bool, t: float) -> float:
        """An outcome at an institution's channel: the complainant's (and their ties') trust in each
        institution credited with it moves by how far the experience fell above or below their
        aspiration (expectation–disconfirmation); for the property company and government the
        outcome enters their record in the community. Returns the experience."""
        x = self.experience_of(i, success, t)
        credited = self.credited(ch, int(self.book.community[i]))
        if not credited:
            return x
        m = self.m
        spec, anchors = m.config.behaviour.trust, self.anchors()
        c, who = int(self.book.community[i]), int(self.book.complainant[i])
        spill = min(1.0, spec.neighbour_spillover * m.effects[c].results_visibility)
        for k in credited:
            d, a0 = x - float(m.population.aspiration[who, k]), anchors[k]
            # scaled so that at the anchor a prompt resolution gains learning_rate_success and a
            # failure loses learning_rate_failure (the rule before aspirations adapted)
            gain = spec.learning_rate_success * d / max(1 - a0, 1e-9) if d > 0 else spec.learning_rate_failure * d / max(a0, 1e-9)
            m.population.learn(who, k, min(max(gain, -1.0), 1.0), spill)  # clipped to −1..1
        self.record(c, [k for k in credited if k in (Institution.PROPERTY_COMPANY, Institution.GOVERNMENT)], x)
        return x

    def adapt(self, i: int, ch: Channel, experience: float) -> None:
        """The complainant's aspiration of each institution credited with an outcome at `ch` moves
        toward what the case gave them (Selten 1998)."""
        pop, rate = self.m.population, self.m.config.behaviour.aspiration.own_rate
        who = int(self.book.complainant[i])
        for k in self.credited(ch, int(self.book.community[i])):
            pop.aspiration[who, k] += rate * (experience - pop.aspiration[who, k])

    def voice(self, aspiration, institution: int):
        """Reporting and escalation rise with what residents have come to expect of an institution
        (and fall as they come to expect little): 1 at its anchor."""
        spec = self.m.config.behaviour.aspiration
        return np.maximum(0.0, 1.0 + spec.voice_weight * (aspiration - self.anchors()[institution]))

    def anchors(self) -> tuple[float, ...]:
        """The aspiration anchors by institution (`behaviour.aspiration.anchors()`) as numbers,
        kept while the aspiration settings are the same object (asked at every outcome)."""
        spec = self.m.config.behaviour.aspiration
        if self._anchors[0] is not spec:
            self._anchors = (spec, tuple(spec.anchors().tolist()))
        return self._anchors[1]

    # ----------------------------------------------------------------------------------------
    def close_property_desk(self, c: int, t: float) -> None:
        """The property company left: its open cases pass to the residents' committee."""
        b = self.book
        h = self.community_handlers[c][Channel.PROPERTY_DESK]
        for i in h.drain():
            b.log(i, t, Event.HANDOVER, Channel.PROPERTY_DESK, Detail.PROPERTY_COMPANY_LEFT)
            self.route(i, 1, t, Detail.HANDOVER)
