"""The notebooks in notebooks/ run top to bottom (at small sizes: COGOV_NOTEBOOK_QUICK=1) on a
kernel of this Python, and are committed with their outputs stripped."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_quick_start", "02_policy_levers", "03_sweep_sensitivity", "04_city", "05_policy_over_time"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs (jupyter nbconvert --clear-output)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_runs_top_to_bottom(path, tmp_path, monkeypatch):
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    monkeypatch.setenv("COGOV_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the kernel is this interpreter (the venv), whatever kernels the machine has installed:
    # with no kernel folders, only ipykernel's built-in spec is found, and it runs sys.executable
    ksm = KernelSpecManager(kernel_dirs=[])
    assert ksm.get_kernel_spec(NATIVE_KERNEL_NAME).argv[0] == sys.executable
    km = KernelManager(kernel_name=NATIVE_KERNEL_NAME, kernel_spec_manager=ksm)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(path.parent)}})
    client.execute(cleanup_kc=True)  # the kernel is ours: shut it down and close its sockets
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
