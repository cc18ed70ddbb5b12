"""Model credibility: validation targets from published figures (`targets`), running them with
replicates (`runner`, `validate`), calibrating the behavioural defaults (`calibrate`), and
self-contained HTML reports for non-modellers (`report`)."""

from .targets import Target, TargetsError, TargetsFile, load_targets

__all__ = ["Target", "TargetsError", "TargetsFile", "load_targets"]
