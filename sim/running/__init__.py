"""Running scenarios and writing their outputs: `simulate` (no I/O), `write_run_folder`
(the atomic run folder) and `render_dashboard` (the PNG)."""

from .dashboard import FontFallbackWarning, find_cjk_font, render_dashboard
from .output import RUN_FILES, RunFolderError, check_target, write_run_folder
from .run import simulate

__all__ = [
    "RUN_FILES", "FontFallbackWarning", "RunFolderError", "check_target", "find_cjk_font",
    "render_dashboard", "simulate", "write_run_folder",
]
