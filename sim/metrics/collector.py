"""The daily recorder: Mesa's DataCollector, keeping each metric's number as it is reported."""

from __future__ import annotations

import mesa


class DailyCollector(mesa.DataCollector):
    """Mesa's `DataCollector` (the same tables, `get_model_vars_dataframe()` and
    `get_agent_vars_dataframe()`), except that a model reporter's value is stored as returned.
    Mesa deep-copies every value in case it is a mutable object that later steps would change; a
    metric is one number (`sim.metrics.registry.Metric`), so the copy is of nothing, and at 31
    metrics a day it was a tenth of the recording's cost."""

    def collect(self, model) -> None:
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(reporter(model))
        if self.agent_reporters:  # resident variables (`sim.metrics.residents`), as Mesa records them
            self._agent_records[model.steps] = list(self._record_agents(model))
