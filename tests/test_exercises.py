"""Exercises: the checks, the student edition and the grader."""
import ast
import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient

from vae_course.checks import CHECKS, RECORD, training
from vae_course.grade import grade_folder
from vae_course.student import STARTER, student_notebook, write_student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTION = re.compile(r"(?:# BEGIN SOLUTION|<!-- BEGIN SOLUTION -->)(.*?)(?:# END SOLUTION|<!-- END SOLUTION -->)", re.S)


def check_cells(notebook):
    return [cell for cell in notebook.cells if cell.metadata.get("exercise")]


def test_the_check_registry_holds_every_exercise_of_the_notebooks():
    ids = {cell.metadata["exercise"] for path in NOTEBOOKS for cell in check_cells(nbformat.read(path, as_version=4))}
    assert ids == set(CHECKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_solution_passes_its_check(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in check_cells(notebook):
        verdicts = [out["metadata"][RECORD] for out in cell.outputs if RECORD in out.get("metadata", {})]
        assert verdicts and verdicts[-1]["exercise"] == cell.metadata["exercise"], cell.source
        assert verdicts[-1]["passed"], verdicts[-1]["message"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_follow_the_convention(path):
    """Statement (tag `exercise`), a solution cell with markers shown collapsed, then its check."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            assert "hide-input" in cell.metadata.get("tags", []), f"cell {index}: solutions are collapsed in the book"
    checks = check_cells(notebook)
    assert len(checks) >= 2, "each chapter has at least two checked exercises"
    assert sum("exercise" in c.metadata.get("tags", []) for c in notebook.cells) >= len(checks)


def _wrong_answers():
    yield None, "pass the function itself, got NoneType"
    yield "0.5 * mu ** 2", "pass the function itself, got str"
    yield (lambda mu, logvar: "KL"), "expected a tensor, got str"
    yield (lambda mu, logvar: mu.sum()), "shape ()"
    yield (lambda mu, logvar: 1 / 0), "ZeroDivisionError"
    yield (lambda mu, logvar: torch.full((mu.shape[0],), float("nan"))), "NaN"


@pytest.mark.parametrize("answer, message", list(_wrong_answers()))
def test_checks_report_wrong_answers_without_crashing(answer, message):
    verdict = training.kl_term(answer)
    assert not verdict and message in verdict.message
    assert "hint" in str(verdict) or "pass the function" in verdict.message


def test_unfinished_starter_is_not_yet_implemented():
    def starter(mu, logvar):
        raise NotImplementedError
    verdict = training.kl_term(starter)
    assert not verdict.passed and "not yet implemented" in verdict.message


def test_verdict_shows_in_both_languages_and_as_json():
    data, metadata = training.kl_term(lambda mu, logvar: 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1))._repr_mimebundle_()
    assert "통과 · passed" in data["text/plain"]
    assert metadata[RECORD]["passed"] is True and metadata[RECORD]["exercise"] == "training/kl-sign"


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    write_student_edition(ROOT / "notebooks", out)
    return out


def solution_lines(notebook) -> list[str]:
    """The distinctive lines of a notebook's solutions: those that appear nowhere else in it."""
    regions = [region for cell in notebook.cells for region in SOLUTION.findall(cell.source)]
    regions += [cell.source for cell in notebook.cells if "solution" in cell.metadata.get("tags", [])]
    outside = "\n".join(SOLUTION.sub("", cell.source) for cell in notebook.cells
                         if "solution" not in cell.metadata.get("tags", []))
    lines = {line.strip() for region in regions for line in region.splitlines()}
    return sorted(line for line in lines if len(line) > 12 and line not in outside)


def test_student_edition_has_no_solution_text(student_dir):
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        lines = solution_lines(original)
        assert lines, f"{path.name} has no marked solutions"
        raw = (student_dir / path.name).read_text()
        edition = nbformat.read(student_dir / path.name, as_version=4)
        text = "\n".join(cell.source for cell in edition.cells) + json.dumps(edition.metadata)
        for line in lines:
            assert line not in text and json.dumps(line)[1:-1] not in raw, f"{path.name}: solution left: {line}"
        assert all(not c.get("outputs") and not c.get("attachments") for c in edition.cells)
        assert set(edition.metadata) <= {"kernelspec", "language_info"}
        assert all(set(c.metadata) <= {"tags", "exercise"} for c in edition.cells)
        assert len(check_cells(edition)) == len(check_cells(original))  # the grader finds the checks
        assert "BEGIN SOLUTION" not in raw and text.count(STARTER) >= len(check_cells(original))


def test_student_edition_is_reproducible(student_dir, tmp_path):
    write_student_edition(ROOT / "notebooks", tmp_path)
    for path in NOTEBOOKS:
        assert (tmp_path / path.name).read_bytes() == (student_dir / path.name).read_bytes()


def test_unbalanced_markers_are_refused():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n# BEGIN SOLUTION\nx = 2")])
    with pytest.raises(ValueError, match="cell 0: a SOLUTION marker has no partner"):
        student_notebook(notebook)


def parse(source: str) -> ast.Module:
    """The cell's Python, with IPython magics (`%pip …`, `!ls`) read as `pass`."""
    lines = [line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def defined_names(source: str) -> set[str]:
    return {node.name for node in parse(source).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def used_names(source: str) -> set[str]:
    return {node.id for node in ast.walk(parse(source)) if isinstance(node, ast.Name)}


def run_verdicts(notebook) -> list[dict]:
    """Execute `notebook` in a fresh kernel (raising on any error); return the check verdicts it printed."""
    NotebookClient(notebook, timeout=600, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    return [out["metadata"][RECORD] for cell in check_cells(notebook) for out in cell.outputs
            if RECORD in out.get("metadata", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_checks_call_the_students_functions(path):
    """Later cells use the package's versions, so an unfinished exercise cannot break them."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    student = set().union(*(defined_names(c.source) for c in cells if "# BEGIN SOLUTION" in c.source))
    for cell in cells:
        if "# BEGIN SOLUTION" not in cell.source and not cell.metadata.get("exercise"):
            assert not used_names(cell.source) & student, f"{path.name}: a cell uses {used_names(cell.source) & student}"


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_student_exercises_say_not_yet_implemented(student_dir, name):
    """The student edition's exercise cells, after the notebook's imports, run and report 'not yet implemented'."""
    edition = nbformat.read(student_dir / name, as_version=4)
    code = [c for c in edition.cells if c.cell_type == "code" and "remove-cell" not in c.metadata.get("tags", [])]
    imports = [ast.unparse(node) for c in code for node in parse(c.source).body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    exercise = [c for c in code if STARTER in c.source or c.metadata.get("exercise")]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(imports))] + exercise)
    verdicts = run_verdicts(notebook)
    assert len(verdicts) == len(check_cells(edition)) >= 2
    assert all(not v["passed"] and "not yet implemented" in v["message"] for v in verdicts), verdicts


def test_student_edition_of_the_training_chapter_runs_top_to_bottom(student_dir):
    """The whole student edition of one chapter, training included, runs without an error."""
    verdicts = run_verdicts(nbformat.read(student_dir / "train_mnist.ipynb", as_version=4))
    assert len(verdicts) >= 2 and all("not yet implemented" in v["message"] for v in verdicts)


def test_grader_verdicts_on_the_fixture_submissions(tmp_path):
    out = tmp_path / "grades.csv"
    grade_folder(ROOT / "tests" / "fixtures" / "submissions", out, cell_timeout=5, timeout=120)
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    got = {(r["student_file"].split("_")[0], r["exercise"]): r for r in rows}
    expect = {
        ("alice", "training/vae-loss"): "pass", ("alice", "training/kl-sign"): "pass",
        ("bob", "training/vae-loss"): "pass", ("bob", "training/kl-sign"): "fail",
        ("carol", ""): "error", ("carol", "training/vae-loss"): "pass", ("carol", "training/kl-sign"): "not run",
        ("dave", ""): "error", ("dave", "training/vae-loss"): "pass", ("dave", "training/kl-sign"): "pass",
        ("erin", ""): "error",
    }
    assert {key: row["result"] for key, row in got.items()} == expect
    assert "kernel died" in got["carol", ""]["message"]
    assert "limit" in got["dave", ""]["message"] and "interrupted" in got["dave", ""]["message"]
    assert "malformed" in got["erin", ""]["message"]
    assert "hint" in got["bob", "training/kl-sign"]["message"]


def test_instructor_guide_lists_every_chapter_and_exercise():
    guide = (ROOT / "book" / "instructors.md").read_text()
    for path in NOTEBOOKS:
        assert f"/notebooks/{path.stem}`" in guide, f"the guide's chapter map misses {path.stem}"
        for cell in check_cells(nbformat.read(path, as_version=4)):
            assert f"`{cell.metadata['exercise']}`" in guide, f"the guide misses exercise {cell.metadata['exercise']}"
