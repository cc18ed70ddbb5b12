"""Design points of a sweep.

* ``grid``: every combination of the parameters' levels (`itertools.product`), first parameter
  slowest.
* ``lhs``: a Latin hypercube of `samples` points (`scipy.stats.qmc.LatinHypercube`).
* ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence (`SALib.sample.sobol.sample`),
  N·(d+2) points, N·(2d+2) with second-order indices.
* ``morris``: `samples` trajectories of d+1 points on a `levels`-level grid (`SALib.sample.morris`).

Sampled designs draw in the unit hypercube (SALib's problem has bounds [0, 1] for every parameter)
and map each coordinate onto the parameter (`Parameter.from_unit`): a linear or log range, integers
uniformly over low..high, listed values (true/false, choices) uniformly over the list. The unit
coordinates are kept, because SALib's analysis reads them back.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .sweepfile import DesignSpec, Parameter


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


def salib_problem(parameters: list[Parameter]) -> dict:
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [[0.0, 1.0] for _ in parameters]}


def make_design(parameters: list[Parameter], spec: DesignSpec, seed: int) -> Design:
    """The design points; `seed` seeds the sampling of lhs, sobol and morris designs."""
    if spec.kind == "grid":
        combos = itertools.product(*(p.grid_levels() for p in parameters))
        return Design("grid", [{p.path: v for p, v in zip(parameters, combo)} for combo in combos])
    d = len(parameters)
    problem = salib_problem(parameters)
    if spec.kind == "lhs":
        from scipy.stats import qmc

        key = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
        unit = qmc.LatinHypercube(d, **{key: np.random.default_rng(seed)}).random(spec.samples)
    elif spec.kind == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=seed)
    elif spec.kind == "morris":
        from SALib.sample import morris

        unit = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)
    else:  # pragma: no cover - the schema allows no other kind
        raise ValueError(f"unknown design {spec.kind!r}")
    unit = np.asarray(unit, dtype=float)
    columns = [p.from_unit(unit[:, j]) for j, p in enumerate(parameters)]
    values = [{p.path: columns[j][i] for j, p in enumerate(parameters)} for i in range(len(unit))]
    return Design(spec.kind, values, unit, problem)


def design_size(parameters: list[Parameter], spec: DesignSpec) -> int:
    """Number of design points, without sampling."""
    d = len(parameters)
    if spec.kind == "grid":
        return int(np.prod([len(p.grid_levels()) for p in parameters]))
    if spec.kind == "lhs":
        return int(spec.samples)
    if spec.kind == "sobol":
        return int(spec.samples) * ((2 * d + 2) if spec.second_order else (d + 2))
    return int(spec.samples) * (d + 1)
