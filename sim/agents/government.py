"""The upper three of the four levels (S0, S1, S2): street office, district and city."""

from __future__ import annotations

import mesa


class StreetOffice(mesa.Agent):
    """街道办事处: takes cases escalated from its communities."""

    def __init__(self, model, index: int, name: str, district: int):
        super().__init__(model)
        self.index = index
        self.name = name
        self.district = district


class District(mesa.Agent):
    """区 (S2): takes escalated cases; inspects and assesses its communities (督导考核)."""

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name
        self.inspections = 0

    def inspects_on(self, day: int, interval: int) -> bool:
        """Regular inspections, staggered between districts (none on the first day simulated)."""
        return day > self.model.first_day and (day + 11 * self.index) % interval == 0


class City(mesa.Agent):
    """市 (S1): the coordination mechanism, the 12345 hotline and the courts."""

    def __init__(self, model, name: str, coordination_strength: float):
        super().__init__(model)
        self.name = name
        self.coordination_strength = coordination_strength
