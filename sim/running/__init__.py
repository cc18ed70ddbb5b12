"""Running scenarios and writing their outputs: `simulate` (no I/O), `write_run_folder`
(the atomic run folder) and `render_dashboard` (the PNG)."""

from importlib import import_module

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
