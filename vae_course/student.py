"""Write the student edition of the course notebooks: solutions out, starters in, outputs cleared.

    python -m vae_course.student [SOURCE_DIR] [TARGET_DIR]      (default: notebooks student)

Solutions are marked in the notebooks as regions:
  code cells      `# BEGIN SOLUTION` … `# END SOLUTION` → `raise NotImplementedError(...)`
  Markdown cells  `<!-- BEGIN SOLUTION -->` … `<!-- END SOLUTION -->` → a note
Cells tagged `solution` are dropped whole. Outputs, execution counts, attachments and
all metadata but tags and exercise ids are removed, so the same input always gives the
same bytes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from .extras import missing_extra

try:
    import nbformat
except ModuleNotFoundError as err:
    raise missing_extra(err, "grading", "학생용 노트북 만들기", "Writing the student edition") from None

STARTER = 'raise NotImplementedError("여기를 채우세요 · write your solution here")'
NOTE = "*(풀이는 강사용 판에 있습니다 · The solution is in the instructor's edition.)*"
CODE_REGION = re.compile(r"^([ \t]*)# BEGIN SOLUTION[^\n]*\n.*?^[ \t]*# END SOLUTION[^\n]*$", re.M | re.S)
MARKDOWN_REGION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION")
KEEP = ("tags", "exercise")  # cell metadata the student edition keeps: the grader finds checks by "exercise"
NEW_CELL = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell, "raw": nbformat.v4.new_raw_cell}


def strip_code(source: str) -> str:
    """Replace each solution region by a starter line at the region's indentation."""
    return CODE_REGION.sub(lambda m: m.group(1) + STARTER, source)


def strip_markdown(source: str) -> str:
    """Replace each solution region of a Markdown cell by a note."""
    return MARKDOWN_REGION.sub(NOTE, source)


def student_notebook(notebook: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the student edition of `notebook`; raise ValueError on unbalanced markers."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        if "solution" in tags:
            continue
        source = strip_code(cell.source) if cell.cell_type == "code" else strip_markdown(cell.source)
        if any(marker in source for marker in MARKERS):
            raise ValueError(f"{name}, cell {index}: a SOLUTION marker has no partner; every BEGIN needs an END.")
        metadata = {key: cell.metadata[key] for key in KEEP if key in cell.metadata}
        new = NEW_CELL.get(cell.cell_type, nbformat.v4.new_raw_cell)(source, metadata=metadata)
        new.id = cell.get("id", f"cell-{index}")
        cells.append(new)
    edition = nbformat.v4.new_notebook(cells=cells)
    edition.metadata = {key: notebook.metadata[key] for key in ("kernelspec", "language_info") if key in notebook.metadata}
    return edition


def write_student_edition(source_dir: Path, target_dir: Path) -> list[Path]:
    """Write the student edition of every notebook in `source_dir` into `target_dir`."""
    paths = sorted(Path(source_dir).glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No notebooks in {source_dir}.")
    Path(target_dir).mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        edition = student_notebook(nbformat.read(path, as_version=4), path.name)
        target = Path(target_dir) / path.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 2 or any(a in ("-h", "--help") for a in args):
        print(__doc__)
        raise SystemExit(0 if args and args[0] in ("-h", "--help") else 2)
    source, target = (Path(a) for a in (args + ["notebooks", "student"][len(args):]))
    for path in write_student_edition(source, target):
        print(path)


if __name__ == "__main__":
    main()
