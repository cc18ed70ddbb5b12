"""Output metrics: the registry (`registry`: one declaration per metric, which every output reads),
their definitions and declarations (`definitions`), resident-level variables (`residents`), and
tables of them by community, street and district (`tables`).

Importing this package declares every metric, so ``from sim.metrics import METRICS`` is complete.
"""

from . import capacity, definitions, stationarity  # noqa: F401  (declare the metrics)
from .registry import METRICS, Direction, Kind, Metric, Section

__all__ = ["METRICS", "Direction", "Kind", "Metric", "Section"]
