"""Execute notebooks in place, so that their stored outputs come from a real run.

    python tools/execute_notebooks.py [notebooks/*.ipynb]

Runs each notebook top to bottom in a fresh kernel of this Python, from the notebooks/
folder, and saves it with its outputs. Neither widget state (the book would load
widget scripts for it) nor timestamps are stored.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run: noise in diffs
    start = time.perf_counter()
    NotebookClient(notebook, timeout=1200, kernel_name="python3", store_widget_state=False, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: {execute(path):.0f} s", flush=True)
