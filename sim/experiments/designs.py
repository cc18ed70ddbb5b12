"""Designs of a sweep: each kind is one class (as EMA Workbench's samplers are) that says what its
settings mean, checks them, counts and draws its points, describes itself and, where it has one,
computes its sensitivity analysis. Adding a design is adding a class to `DESIGNS`.

* `Grid`: every combination of the parameters' levels (`itertools.product`), first parameter slowest.
* `LatinHypercube`: `samples` points (`scipy.stats.qmc.LatinHypercube`).
* `Sobol`: Saltelli's scheme on a scrambled Sobol' sequence (`SALib.sample.sobol`), N·(d+2)
  points, N·(2d+2) with second-order indices; first- and total-order indices (`SALib.analyze.sobol`).
* `Morris`: `samples` trajectories of d+1 points on a `levels`-level grid (`SALib.sample.morris`);
  elementary effects μ*, σ (`SALib.analyze.morris`).

Sampled designs draw in the unit hypercube (SALib's problem has bounds [0, 1] for every parameter)
and map each coordinate onto the parameter (`Parameter.from_unit`): a linear or log range, integers
uniformly over low..high, listed values (true/false, choices) uniformly over the list. The unit
coordinates are kept, because SALib's analysis reads them back.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from .sweepfile import DesignSpec, Parameter

#: fail(key path inside the sweep file, message) → the exception to raise (one line, file and line)
Fail = Callable[[tuple, str], Exception]


@dataclass
class Design:
    """The points of a design: for each, parameter path → value; the unit coordinates and SALib
    problem for sampled designs (None for a grid)."""

    kind: str
    values: list[dict[str, Any]]
    unit: np.ndarray | None = None
    problem: dict | None = None

    def __len__(self) -> int:
        return len(self.values)


def salib_problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0] for _ in names]}


class DesignKind:
    """What every design says about itself; subclasses fill in the class attributes and methods."""

    name: ClassVar[str]
    #: what `samples` means for this design (None: it takes none)
    samples_mean: ClassVar[str | None] = None
    min_parameters: ClassVar[int] = 1
    #: a sampled design draws from ranges; a grid takes listed values or levels
    sampled: ClassVar[bool] = True
    #: the sensitivity table's bars: (column, its CI column or None, legend) and the y-axis label
    bars: ClassVar[tuple[tuple[str, str | None, str], ...]] = ()
    index_label: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def check(self, spec: DesignSpec, parameters: dict[str, Any], fail: Fail) -> None:
        """Refuse settings this design cannot use (one line naming the key)."""
        for key, p in parameters.items():
            if p.levels is not None:
                raise fail(("parameters", key, "levels"), f"levels is for grid designs; a {self.name} design samples the range")
        if spec.samples is None:
            raise fail(("design",), f"a {self.name} design needs samples: {self.samples_mean}")
        if len(parameters) < self.min_parameters:
            raise fail(("parameters",), f"a {self.name} design needs at least {self.min_parameters} parameters")

    def size(self, parameters: list[Parameter], spec: DesignSpec) -> int:
        """Number of points, without drawing them."""
        raise NotImplementedError

    def unit_sample(self, d: int, spec: DesignSpec, seed: int, problem: dict) -> np.ndarray:
        """Points in the unit hypercube [0, 1]^d."""
        raise NotImplementedError

    def points(self, parameters: list[Parameter], spec: DesignSpec, seed: int) -> Design:
        """The design points; `seed` seeds the sampling."""
        problem = salib_problem([p.name for p in parameters])
        unit = np.asarray(self.unit_sample(len(parameters), spec, seed, problem), dtype=float)
        columns = [p.from_unit(unit[:, j]) for j, p in enumerate(parameters)]
        values = [{p.path: columns[j][i] for j, p in enumerate(parameters)} for i in range(len(unit))]
        return Design(self.name, values, unit, problem)

    def describe(self, design: dict) -> str:
        """A short phrase for the command line: the kind and its settings."""
        return f"{self.name}, {design['samples']} samples"

    def sensitivity(self, problem: dict, unit: np.ndarray, y: np.ndarray, design: dict, level: float,
                    seed: int) -> list[dict[str, float]] | None:
        """One row per parameter of this design's sensitivity indices of one output `y` (one value
        per design point, in point order); None if the design has no sensitivity analysis."""
        return None


class Grid(DesignKind):
    name = "grid"
    sampled = False

    def check(self, spec: DesignSpec, parameters: dict[str, Any], fail: Fail) -> None:
        if spec.samples is not None:
            raise fail(("design", "samples"), "a grid takes no samples: it is every combination of the parameters' levels")
        for key, p in parameters.items():
            if p.values is None and p.levels is None:
                raise fail(("parameters", key), "a grid needs values: [...] or levels: with low and high")

    def size(self, parameters: list[Parameter], spec: DesignSpec) -> int:
        return int(np.prod([len(p.grid_levels()) for p in parameters]))

    def points(self, parameters: list[Parameter], spec: DesignSpec, seed: int) -> Design:
        combos = itertools.product(*(p.grid_levels() for p in parameters))
        return Design(self.name, [{p.path: v for p, v in zip(parameters, combo)} for combo in combos])

    def describe(self, design: dict) -> str:
        return self.name


class LatinHypercube(DesignKind):
    name = "lhs"
    samples_mean = "the number of points"

    def size(self, parameters: list[Parameter], spec: DesignSpec) -> int:
        return int(spec.samples)

    def unit_sample(self, d: int, spec: DesignSpec, seed: int, problem: dict) -> np.ndarray:
        from scipy.stats import qmc

        key = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
        return qmc.LatinHypercube(d, **{key: np.random.default_rng(seed)}).random(spec.samples)


class Sobol(DesignKind):
    name = "sobol"
    samples_mean = "the base sample N (a power of 2)"
    min_parameters = 2
    bars = (("S1", "S1_conf", "S1 (first order)"), ("ST", "ST_conf", "ST (total)"))
    index_label = "Sobol index"
    title = "Sobol sensitivity indices (SALib), 95 % CI"

    def check(self, spec: DesignSpec, parameters: dict[str, Any], fail: Fail) -> None:
        super().check(spec, parameters, fail)
        if spec.samples & (spec.samples - 1):
            raise fail(("design", "samples"), f"a sobol design needs a power of 2 (Sobol' sequences), found {spec.samples}")

    def size(self, parameters: list[Parameter], spec: DesignSpec) -> int:
        d = len(parameters)
        return int(spec.samples) * ((2 * d + 2) if spec.second_order else (d + 2))

    def unit_sample(self, d: int, spec: DesignSpec, seed: int, problem: dict) -> np.ndarray:
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=seed)

    def describe(self, design: dict) -> str:
        return f"sobol, N={design['samples']}" + (", second order" if design["second_order"] else "")

    def sensitivity(self, problem, unit, y, design, level, seed):
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=bool(design.get("second_order")), conf_level=level, seed=seed,
                           print_to_console=False)
        return [{"parameter": name, "S1": si["S1"][j], "S1_conf": si["S1_conf"][j], "ST": si["ST"][j],
                 "ST_conf": si["ST_conf"][j]} for j, name in enumerate(problem["names"])]


class Morris(DesignKind):
    name = "morris"
    samples_mean = "the number of trajectories"
    min_parameters = 2
    bars = (("mu_star", "mu_star_conf", "μ* (mean |effect|)"), ("sigma", None, "σ (interactions, non-linearity)"))
    index_label = "effect over the whole range"
    title = "Morris elementary effects (SALib), μ* with 95 % CI"

    def size(self, parameters: list[Parameter], spec: DesignSpec) -> int:
        return int(spec.samples) * (len(parameters) + 1)

    def unit_sample(self, d: int, spec: DesignSpec, seed: int, problem: dict) -> np.ndarray:
        from SALib.sample import morris

        return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)

    def describe(self, design: dict) -> str:
        return f"morris, {design['samples']} trajectories, {design['levels']} levels"

    def sensitivity(self, problem, unit, y, design, level, seed):
        from SALib.analyze import morris

        si = morris.analyze(problem, unit, y, conf_level=level, num_levels=int(design["levels"]), seed=seed,
                            print_to_console=False)
        return [{"parameter": name, "mu": si["mu"][j], "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                 "sigma": si["sigma"][j]} for j, name in enumerate(problem["names"])]


#: every design kind a sweep file may name, by name
DESIGNS: dict[str, DesignKind] = {kind.name: kind for kind in (Grid(), LatinHypercube(), Sobol(), Morris())}


def make_design(parameters: list[Parameter], spec: DesignSpec, seed: int) -> Design:
    """The design points of `spec`; `seed` seeds the sampling of sampled designs."""
    return DESIGNS[spec.kind].points(parameters, spec, seed)


def design_size(parameters: list[Parameter], spec: DesignSpec) -> int:
    """Number of design points, without sampling."""
    return DESIGNS[spec.kind].size(parameters, spec)
