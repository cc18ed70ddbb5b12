"""The files cogov ships — scenarios, sweep files, validation targets, notebooks — wherever it runs.

The checkout's top-level `scenarios/`, `validation/` and `notebooks/` are the one copy. A built wheel
carries them as `sim/shipped/<folder>` (pyproject.toml maps them there), read through
`importlib.resources`; an editable install or a checkout reads the top-level folders themselves.

Shipped scenarios and sweep files have names, their path in `scenarios/` without ``.yaml``:
``baseline``, ``levers/red_cells``; a sweep file by its name in `scenarios/sweeps/`, ``joint_meetings``.
A name is what `cogov run NAME`, `cogov sweep NAME` and ``extends: NAME`` accept besides a file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: the folders shipped with the package, as laid out in the checkout
SHIPPED = ("scenarios", "validation", "notebooks")
#: the folder of `scenarios/` that holds sweep files (every other YAML file there is a scenario)
SWEEPS = "sweeps"
SUFFIX = ".yaml"


def shipped(folder: str) -> Path:
    """One of the SHIPPED folders: the installed package's copy, else the checkout's."""
    if folder not in SHIPPED:
        raise ValueError(f"no shipped folder {folder!r}; expected one of {', '.join(SHIPPED)}")
    # pip installs a wheel as files on disk, so the package's Traversable is a real folder
    packaged = Path(str(resources.files(__package__))) / "shipped" / folder
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / folder


def shipped_files(folder: str) -> list[Path]:
    """Every file of a shipped folder, sorted; hidden files and caches left out."""
    root = shipped(folder)
    return sorted(p for p in root.rglob("*") if p.is_file()
                  and not any(part.startswith((".", "__")) for part in p.relative_to(root).parts))


def _named(root: Path, exclude: str | None = None) -> dict[str, Path]:
    return {p.relative_to(root).with_suffix("").as_posix(): p for p in sorted(root.rglob(f"*{SUFFIX}"))
            if exclude is None or p.relative_to(root).parts[0] != exclude}


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario files by name, e.g. {"baseline": …/baseline.yaml, "levers/red_cells": …}."""
    return _named(shipped("scenarios"), exclude=SWEEPS)


def shipped_sweeps() -> dict[str, Path]:
    """Shipped sweep files by name, e.g. {"joint_meetings": …/sweeps/joint_meetings.yaml}."""
    return _named(shipped("scenarios") / SWEEPS)


def _find(text: str, beside: Path | None, names: dict[str, Path]) -> Path | None:
    here = (beside if beside is not None else Path.cwd()) / text
    if here.is_file():
        return here
    return names.get(text) if not Path(text).suffix else None


def scenario_file(text: str, beside: Path | None = None) -> Path | None:
    """The scenario file `text` names: a file (relative to the folder `beside`, default the
    working folder), else the shipped scenario of that name; None when neither exists. A name
    never has a suffix, so ``baseline.yaml`` is only ever a file."""
    return _find(text, beside, shipped_scenarios())


def sweep_file(text: str, beside: Path | None = None) -> Path | None:
    """The sweep file `text` names: a file, else the shipped sweep file of that name; or None."""
    return _find(text, beside, shipped_sweeps())


__all__ = ["SHIPPED", "SWEEPS", "scenario_file", "shipped", "shipped_files", "shipped_scenarios",
           "shipped_sweeps", "sweep_file"]
