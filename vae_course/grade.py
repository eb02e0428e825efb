"""Grade a folder of submitted notebooks: run each in a fresh kernel, collect the exercise checks.

    python -m vae_course.grade SUBMISSIONS_DIR [--out grades.csv] [--cell-timeout 120] [--timeout 900]

Each notebook runs top to bottom with a limit per cell and per notebook; a cell that
errors or hangs is interrupted and the run goes on. Every check cell (metadata
"exercise") gives one CSV row: student file, exercise, result (pass / fail / not run /
error) and the check's message. A malformed notebook or a dead kernel gets a row that
says so, and the grader moves on to the next file.
"""
from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from .checks import RECORD
from .extras import missing_extra

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
except ModuleNotFoundError as err:
    raise missing_extra(err, "grading", "채점", "Grading") from None

FIELDS = ("student_file", "exercise", "result", "message")


def _verdicts(cell) -> list[dict]:
    return [out["metadata"][RECORD] for out in cell.get("outputs", []) if RECORD in out.get("metadata", {})]


def _errors(cell) -> str:
    return "; ".join(f"{out['ename']}: {out['evalue']}"[:300] for out in cell.get("outputs", []) if out.get("output_type") == "error")


def run_notebook(notebook: nbformat.NotebookNode, folder: Path, cell_timeout: int, timeout: int) -> list[str]:
    """Execute `notebook` in place in a fresh kernel started in `folder`; return what went wrong."""
    client = NotebookClient(notebook, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(folder)}})
    deadline = time.monotonic() + timeout
    problems = []
    client.reset_execution_trackers()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if time.monotonic() > deadline:
                problems.append(f"time limit of {timeout} s reached before cell {index}; the rest did not run")
                break
            start = time.monotonic()
            try:
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except DeadKernelError:
                problems.append(f"the kernel died (crashed) in cell {index}; the rest did not run")
                break
            if time.monotonic() - start >= cell_timeout:
                problems.append(f"cell {index} ran past the {cell_timeout} s limit (an endless loop?) and was interrupted")
    return problems


def grade_notebook(path: Path, cell_timeout: int = 120, timeout: int = 900) -> list[dict]:
    """The CSV rows for one submission."""
    def row(exercise: str, result: str, message: str) -> dict:
        return dict(zip(FIELDS, (path.name, exercise, result, message)))

    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as err:  # noqa: BLE001 - a malformed file is reported, never raised
        return [row("", "error", f"malformed notebook: {type(err).__name__}: {err}"[:500])]
    rows = [row("", "error", problem) for problem in run_notebook(notebook, path.parent, cell_timeout, timeout)]
    for cell in notebook.cells:
        exercise = cell.get("metadata", {}).get("exercise")
        if not exercise:
            continue
        verdicts = [v for v in _verdicts(cell) if v.get("exercise") == exercise]
        if verdicts:
            rows.append(row(exercise, "pass" if verdicts[-1]["passed"] else "fail", verdicts[-1]["message"]))
        else:
            errors = _errors(cell)
            rows.append(row(exercise, "error" if errors else "not run",
                            errors or "the check did not run: see the error rows of this file"))
    if not any(r["exercise"] for r in rows):
        rows.append(row("", "error", "no check cells (cell metadata 'exercise') in this notebook"))
    return rows


def grade_folder(folder: Path, out: Path, cell_timeout: int = 120, timeout: int = 900) -> list[dict]:
    """Grade every .ipynb in `folder`, write the CSV to `out`, print and return the rows."""
    paths = sorted(Path(folder).glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No .ipynb files in {folder}.")
    rows = []
    for path in paths:
        new = grade_notebook(path, cell_timeout, timeout)
        passed = sum(r["result"] == "pass" for r in new)
        print(f"{path.name}: {passed}/{len(new)} passed", flush=True)
        rows += new
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    counts = Counter(r["result"] for r in rows)
    print(f"{len(paths)} notebooks, {len(rows)} rows: " + ", ".join(f"{counts[k]} {k}" for k in sorted(counts)) + f" → {out}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--out", type=Path, default=Path("grades.csv"))
    parser.add_argument("--cell-timeout", type=int, default=120, help="seconds one cell may run (default 120)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one notebook may run (default 900)")
    args = parser.parse_args(argv)
    grade_folder(args.submissions, args.out, args.cell_timeout, args.timeout)


if __name__ == "__main__":
    main()
