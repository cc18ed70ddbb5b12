"""Residents (居民): each one a Mesa agent, their state kept in NumPy arrays updated in bulk.

`Population` owns the arrays (one row per adult resident); `Resident` is the Mesa agent a user
inspects, draws or selects, and reads its row through properties. Bulk updates (participation,
trust drift, fees) are array operations over the population, which is what makes a 5,000-resident
community fast while every resident stays a real agent.
"""

from __future__ import annotations

import mesa
import numba
import numpy as np
from scipy import sparse

from ..disputes.ladder import INSTITUTION_NAMES
from ..mathx import read_only
from ..scenario.schema import ACTIVITIES, AGE_BANDS, Scenario
from ..space.geography import Geography
from .cores import by_community

NEVER = -(10**6)  # "last took part" for someone who never did


def _beta(rng: np.random.Generator, mean: np.ndarray | float, concentration: float, size: int) -> np.ndarray:
    mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=size)


@numba.njit(cache=True, nogil=True)
def _move_active_ties(first, stop, bounds, last_any, cutoff, active, indptr, indices, degree, counts, share):
    """Bring `active` (took part after `cutoff`) up to date, and with it the counts and shares of
    active ties of the ties of each resident who changed (who gain +1 or lose −1 an active tie).
    Compiled: a pass over the residents, where NumPy needed a dozen calls a day. Communities
    `first` to `stop` − 1 (`cores.by_community`: a resident's ties live in its community)."""
    for r in range(bounds[first], bounds[stop]):
        now = last_any[r] > cutoff
        if now != active[r]:
            active[r] = now
            step = 1.0 if now else -1.0
            for j in range(indptr[r], indptr[r + 1]):
                tied = indices[j]
                counts[tied] += step
                share[tied] = counts[tied] / degree[tied]  # has a tie: to r


class Population:
    """Every resident's state, one row each."""

    def __init__(self, scenario: Scenario, geo: Geography, rng: np.random.Generator):
        beh = scenario.behaviour
        sizes = []
        for layout in geo.communities:
            s = layout.site
            # household sizes: 1 + Poisson so the mean is residents_per_household
            sizes.append(1 + rng.poisson(s.residents_per_household - 1, size=layout.households))
        hh_size = np.concatenate(sizes)
        n = int(hh_size.sum())
        self.n = n
        self.household = np.repeat(np.arange(geo.n_households), hh_size)
        self.building = geo.household_building[self.household]
        self.community = geo.household_community[self.household]
        self.grid = geo.building_grid[self.building]
        self.street = np.array([c.street_index for c in geo.communities])[self.community]
        self.head = np.r_[True, self.household[1:] != self.household[:-1]]
        # households are numbered community by community, so residents are stored that way too: a
        # value per community is then one per resident by np.repeat (several times faster than a gather)
        self.community_sizes = np.bincount(self.community, minlength=len(geo.communities))
        if not (np.diff(self.community) >= 0).all():
            raise ValueError("residents must be stored community by community (households numbered that way)")
        #: community c's residents are rows community_bounds[c]:community_bounds[c + 1]
        self.community_bounds = np.concatenate([[0], np.cumsum(self.community_sizes)])

        # per-community attributes drawn with that community's site
        self.age_band = np.empty(n, dtype=np.int8)
        self.owner = np.empty(n, dtype=bool)
        self.party_member = np.empty(n, dtype=bool)
        for layout in geo.communities:
            s = layout.site
            rows = np.flatnonzero(self.community == layout.index)
            self.age_band[rows] = rng.choice(len(AGE_BANDS), size=len(rows), p=s.age_shares.as_list())
            owner_hh = rng.random(layout.households) < s.owner_share
            self.owner[rows] = owner_hh[self.household[rows] - layout.first_household]
            self.party_member[rows] = rng.random(len(rows)) < s.party.party_member_share

        t = beh.trust
        # trust and aspiration are residents × institutions, stored column by column (Fortran order):
        # the daily drift and the daily metrics work on one institution's column at a time, which is
        # then contiguous memory
        self.trust = np.asfortranarray(np.stack([
            _beta(rng, t.party, t.concentration, n),
            _beta(rng, t.residents_committee, t.concentration, n),
            _beta(rng, t.property_company, t.concentration, n),
            _beta(rng, t.government, t.concentration, n),
        ], axis=1))
        self.trust_target = np.array([t.party, t.residents_committee, t.property_company, t.government])
        # how well one expects a case to go at each institution, 0..1 (columns as trust)
        self.aspiration = np.asfortranarray(np.tile(beh.aspiration.anchors(), (n, 1)))

        p = beh.participation
        # a cohesive community (site.latent.cohesion): more ties among neighbours, readier to take part
        cohesion = np.array([layout.site.latent.cohesion for layout in geo.communities])[self.community]
        shift = (np.asarray(p.age_threshold_shift)[self.age_band] + np.where(self.party_member, p.party_member_threshold_shift, 0.0)
                 - beh.latent.threshold_per_sd * cohesion)
        self.threshold = np.clip(_beta(rng, p.threshold_mean, p.threshold_concentration, n) + shift, 0.0, 1.0)
        self.satisfaction = _beta(rng, beh.satisfaction_initial, 10.0, n)
        self.security = _beta(rng, beh.security_initial, 10.0, n)
        self.last_part = np.full((n, len(ACTIVITIES)), NEVER, dtype=np.int32, order="F")  # by activity, as trust
        # the lowest thresholds start active (ties broken at random), on a day in the window before
        # the first day simulated (the warm-up's first, day −run.warmup_days)
        starters = np.lexsort((rng.random(n), self.threshold))[: int(round(p.initial_share * n))]
        first_day = -scenario.run.warmup_days
        self.last_part[starters, 0] = first_day - rng.integers(1, p.window_days + 1, size=len(starters))
        self.last_any = self.last_part.max(axis=1)  # last day of any activity
        self.invited_until = np.full(n, NEVER, dtype=np.int32)
        self.red_cell = np.zeros(n, dtype=bool)
        self.grievance_until = np.full(n, NEVER, dtype=np.int32)
        self.ties = self._make_ties(rng, p, np.exp(beh.latent.ties_per_sd * cohesion))
        self.degree = np.asarray(self.ties.sum(axis=1)).ravel()
        self._has_ties = self.degree > 0
        self._active_ties: tuple | None = None  # ((day, window), active, active ties, their share) of the last call
        #: the Mesa `unique_id` of row 0's `Resident` (set by the model as it makes them, in row order)
        self.first_agent_id = 0

    def _make_ties(self, rng, p, factor: np.ndarray) -> sparse.csr_matrix:
        """Household members, plus random neighbours in the building and the community (their
        mean number × each resident's `factor`); a share of residents ('almost never talk to
        neighbours') have household ties only."""
        n = self.n
        rows, cols = [], []
        # household: link each member to the household's first member, and that one back
        first = np.flatnonzero(self.head)
        head_of = first[np.searchsorted(first, np.arange(n), side="right") - 1]
        m = head_of != np.arange(n)
        rows.append(np.arange(n)[m]); cols.append(head_of[m])
        social = rng.random(n) >= p.isolated_share
        for group, mean in ((self.building, p.ties_in_building), (self.community, p.ties_in_community)):
            k = rng.poisson(mean * factor) * social
            src = np.repeat(np.arange(n), k)
            if len(src) == 0:
                continue
            order = np.argsort(group, kind="stable")
            g_sorted = group[order]
            start = np.searchsorted(g_sorted, group[src], side="left")
            stop = np.searchsorted(g_sorted, group[src], side="right")
            dst = order[start + (rng.random(len(src)) * (stop - start)).astype(np.int64)]
            keep = social[dst] & (dst != src)
            rows.append(src[keep]); cols.append(dst[keep])
        r = np.concatenate(rows); c = np.concatenate(cols)
        a = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()
        a = ((a + a.T) > 0).astype(np.float64)
        return a.tocsr()

    # ----------------------------------------------------------------------------------------
    def take_part(self, who: np.ndarray, activity: np.ndarray, day: int) -> None:
        self.last_part[who, activity] = day
        self.last_any[who] = day

    def active(self, day: int, window: int) -> np.ndarray:
        """Took part in any activity within the last `window` days (the participation definition)."""
        return self.last_any > day - window

    def active_in(self, activity: int, day: int, window: int) -> np.ndarray:
        return self.last_part[:, activity] > day - window

    def ties_active_share(self, day: int, window: int) -> np.ndarray:
        """Share of each resident's ties who took part within the window (0 without ties); a
        read-only view, valid until the next call.

        The count of each resident's active ties (``ties @ active``) is kept from the previous call
        and moved, in place, by the residents whose activity changed since: a few dozen a day in a
        community of 5,000, against a product over every tie; only their ties' shares are divided
        again. The counts are whole numbers, so they, and the shares, are exactly the product's,
        whatever was called before."""
        if self._active_ties is None:
            act = self.active(day, window)
            counts = self.ties @ act.astype(np.float64)
            share = np.divide(counts, self.degree, out=np.zeros(self.n), where=self._has_ties)
        else:
            _, act, counts, share = self._active_ties
            by_community(_move_active_ties, self.community_bounds, self.last_any, day - window, act,
                         self.ties.indptr, self.ties.indices, self.degree, counts, share)
        self._active_ties = ((day, window), act, counts, share)
        return read_only(share)

    def knows_neighbours(self, day: int, window: int, ties_active: np.ndarray) -> SocialCapital:
        """Social capital, 0..1: took part recently, and how many of one's ties did."""
        last = self._active_ties
        act = last[1] if last is not None and last[0] == (day, window) else self.active(day, window)
        return SocialCapital(act, ties_active)

    def learn(self, who: int, institution: int, gain: float, spillover: float) -> None:
        """Update trust after an outcome: a `gain` above 0 moves it that share of the way to 1,
        below 0 that share of the way to 0; the complainant's ties feel `spillover` of it."""
        trust = self.trust[:, institution]  # a contiguous column (the array is column-major)
        own = trust[who]
        trust[who] = own + gain * ((1 - own) if gain > 0 else own)
        ties = self.ties.indices[self.ties.indptr[who]: self.ties.indptr[who + 1]]  # never `who` itself
        tr = trust[ties]
        trust[ties] = tr + (spillover * gain) * ((1 - tr) if gain > 0 else tr)


class SocialCapital:
    """Residents' social capital, 0..1, read as ``capital[rows]``: half for having taken part
    recently, half the share of one's ties who did. Worked out only for the rows read (a day reads
    a few dozen residents out of a community's thousands); valid on the day it was made."""

    __slots__ = ("active", "ties_active")

    def __init__(self, active: np.ndarray, ties_active: np.ndarray):
        self.active, self.ties_active = active, ties_active

    def __getitem__(self, rows):
        return 0.5 * self.active[rows] + 0.5 * self.ties_active[rows]


class Resident(mesa.Agent):
    """A resident: one row of the population's arrays, readable (and drawable) as an agent.

    Residents are made in row order, and Mesa numbers a model's agents one after another, so a
    resident's row is its `unique_id` less the first resident's: worked out, not stored (a
    million stored rows are 36 MB of Python ints)."""

    @property
    def index(self) -> int:
        """This resident's row in the population's arrays."""
        return self.unique_id - self.model.population.first_agent_id

    @property
    def _pop(self) -> Population:
        return self.model.population

    @property
    def community(self) -> str:
        return self.model.geography.names[self._pop.community[self.index]]

    @property
    def building(self) -> int:
        return int(self._pop.building[self.index])

    @property
    def grid(self) -> int:
        return int(self._pop.grid[self.index])

    @property
    def age_band(self) -> str:
        return AGE_BANDS[self._pop.age_band[self.index]]

    @property
    def owner(self) -> bool:
        return bool(self._pop.owner[self.index])

    @property
    def party_member(self) -> bool:
        return bool(self._pop.party_member[self.index])

    @property
    def red_cell_volunteer(self) -> bool:
        return bool(self._pop.red_cell[self.index])

    @property
    def trust(self) -> dict[str, float]:
        return dict(zip(INSTITUTION_NAMES, map(float, self._pop.trust[self.index])))

    @property
    def aspiration(self) -> dict[str, float]:
        return dict(zip(INSTITUTION_NAMES, map(float, self._pop.aspiration[self.index])))

    @property
    def threshold(self) -> float:
        return float(self._pop.threshold[self.index])

    @property
    def satisfaction(self) -> float:
        return float(self._pop.satisfaction[self.index])

    @property
    def security(self) -> float:
        return float(self._pop.security[self.index])

    @property
    def participating(self) -> bool:
        m = self.model
        return bool(self._pop.last_any[self.index] > m.day - 1 - m.config.behaviour.participation.window_days)

    @property
    def volunteer(self) -> bool:
        m = self.model
        return bool(self._pop.last_part[self.index, ACTIVITIES.index("volunteering")] > m.day - 90)

    @property
    def ties(self) -> list[int]:
        p = self._pop
        return p.ties.indices[p.ties.indptr[self.index]: p.ties.indptr[self.index + 1]].tolist()
