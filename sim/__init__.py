"""cogov: agent-based simulation of party-building-led multi-party co-governance of urban communities."""

from .model import CoGovModel
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["CoGovModel", "Scenario", "ScenarioError", "load_scenario"]
__version__ = "0.1.0"
