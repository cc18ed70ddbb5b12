"""Geography: households in buildings (楼栋), buildings in grids (网格), communities (社区) in
streets (街道) in districts (区) in one city. Built once from the scenario; nothing here moves.

Buildings of a community are laid out row by row on a small square so the web app and plots can
draw them; grids are contiguous runs of buildings holding about `households_per_grid` households.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..i18n import DEFAULT_LANG
from ..scenario.schema import Scenario, Site


@dataclass(frozen=True)
class Place:
    """A community, street or district: its name, which timelines and tables use, and the titles
    people read in the workshop, the classroom and the city figures (`title:` in a city scenario)."""

    name: str
    titles: tuple[tuple[str, str], ...] = ()

    def shown(self, lang: str) -> str:
        """The title in `lang`, else the English one, else the name."""
        titles = dict(self.titles)
        return titles.get(lang) or titles.get(DEFAULT_LANG) or self.name


def street_title(district: Place, street: Place, lang: str) -> str:
    """A street office as the workshop and the city figures name it: "城东区 · 新华街道"."""
    return f"{district.shown(lang)} · {street.shown(lang)}"


def _place(spec) -> Place:
    return Place(spec.name, tuple(sorted(spec.title.items())))


@dataclass
class CommunityLayout:
    index: int
    place: Place  # its name and titles, and those of its street and district
    street_place: Place
    district_place: Place
    street_index: int
    district_index: int
    site: Site
    first_household: int
    households: int
    building_offset: int  # global index of its first building
    buildings: int
    grid_offset: int
    grids: int
    building_xy: np.ndarray  # (buildings, 2) positions on the community's square
    building_grid: np.ndarray  # (buildings,) global grid index

    @property
    def name(self) -> str:
        return self.place.name

    @property
    def street(self) -> str:
        return self.street_place.name

    @property
    def district(self) -> str:
        return self.district_place.name


@dataclass
class Geography:
    """The four-level tree and the household → building → grid map of every community."""

    communities: list[CommunityLayout]
    streets: list[str]
    districts: list[str]
    street_district: np.ndarray  # district index of each street
    household_community: np.ndarray
    household_building: np.ndarray  # global building index
    building_community: np.ndarray
    building_grid: np.ndarray
    grid_community: np.ndarray
    names: list[str] = field(default_factory=list)

    @property
    def n_households(self) -> int:
        return len(self.household_community)

    @property
    def n_buildings(self) -> int:
        return len(self.building_community)

    @property
    def n_grids(self) -> int:
        return len(self.grid_community)


def build_geography(scenario: Scenario) -> Geography:
    streets: list[str] = []
    districts: list[str] = []
    street_district: list[int] = []
    layouts: list[CommunityLayout] = []
    hh_comm, hh_bld, b_comm, b_grid, g_comm = [], [], [], [], []
    n_hh = n_b = n_g = 0
    city = scenario.city
    places = ([(_place(c), _place(s), _place(d)) for d in city.districts for s in d.streets for c in s.communities]
              if city is not None else [(Place(scenario.site.name), Place("street"), Place("district"))])
    for ci, ((district, street, site), (place, street_place, district_place)) in enumerate(zip(scenario.communities(), places)):
        if district not in districts:
            districts.append(district)
        key = f"{district}/{street}"
        if key not in streets:
            streets.append(key)
            street_district.append(districts.index(district))
        nb = max(1, -(-site.households // site.households_per_building))
        per_building = np.full(nb, site.households // nb)
        per_building[: site.households - per_building.sum()] += 1
        cum = np.concatenate([[0], np.cumsum(per_building)])
        # grid g holds the buildings whose first household falls in [g*hpg, (g+1)*hpg)
        local_grid = (cum[:-1] // site.households_per_grid).astype(np.int64)
        ng = int(local_grid.max()) + 1
        side = int(np.ceil(np.sqrt(nb)))
        xy = np.stack([np.arange(nb) % side, np.arange(nb) // side], axis=1).astype(np.float64)
        layouts.append(CommunityLayout(
            index=ci, place=place, street_place=street_place, district_place=district_place,
            street_index=streets.index(key), district_index=districts.index(district), site=site,
            first_household=n_hh, households=site.households, building_offset=n_b, buildings=nb,
            grid_offset=n_g, grids=ng, building_xy=xy, building_grid=local_grid + n_g,
        ))
        hh_comm.append(np.full(site.households, ci))
        hh_bld.append(np.repeat(np.arange(nb) + n_b, per_building))
        b_comm.append(np.full(nb, ci))
        b_grid.append(local_grid + n_g)
        g_comm.append(np.full(ng, ci))
        n_hh += site.households
        n_b += nb
        n_g += ng
    return Geography(
        communities=layouts,
        streets=streets,
        districts=districts,
        street_district=np.asarray(street_district, dtype=np.int64),
        household_community=np.concatenate(hh_comm),
        household_building=np.concatenate(hh_bld),
        building_community=np.concatenate(b_comm),
        building_grid=np.concatenate(b_grid),
        grid_community=np.concatenate(g_comm),
        names=[c.name for c in layouts],
    )
