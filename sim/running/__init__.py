"""Running scenarios and writing their outputs: `simulate` (no I/O), `write_run_folder`
(the atomic run folder) and `render_dashboard` (the PNG)."""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use (below)
    from .dashboard import FontFallbackWarning, find_cjk_font, render_dashboard
    from .output import RUN_FILES, RunFolderError, check_target, write_run_folder
    from .run import simulate

#: where each public name lives; imported on first use, so that a sweep (which needs only
#: `output`) does not pay for matplotlib
_HOMES = {
    "FontFallbackWarning": "dashboard", "find_cjk_font": "dashboard", "render_dashboard": "dashboard",
    "RUN_FILES": "output", "RunFolderError": "output", "check_target": "output", "write_run_folder": "output",
    "simulate": "run",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
