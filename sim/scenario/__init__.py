"""Scenario files: the typed schema and the safe loader."""

from .loader import ScenarioError, diff_scenarios, load_scenario, scenario_to_yaml, validate_document
from .schema import Scenario, Site

__all__ = ["Scenario", "ScenarioError", "Site", "diff_scenarios", "load_scenario", "scenario_to_yaml", "validate_document"]
