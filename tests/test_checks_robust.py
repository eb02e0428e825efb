"""Every exercise check, whatever the student hands in: a verdict, never an exception.

One test per kind of bad answer, over the registry of all checks, `vae_course.checks.CHECKS`
(tests/test_exercises.py checks that it lists every exercise of the notebooks): not a function, a function
that crashes or returns nonsense, the unfinished starter; and the record the grader reads from the notebook.
Each chapter's test file checks the mistakes particular to it.
"""
import pytest

from vae_course.checks import CHECKS, RECORD, Verdict


def crash(*args):
    raise RuntimeError("boom")


def starter(*args):
    raise NotImplementedError("여기를 채우세요 · write your solution here")


@pytest.mark.parametrize("exercise", CHECKS)
@pytest.mark.parametrize("answer", [None, 42, "def f(x): ...", [1, 2]], ids=["None", "int", "str", "list"])
def test_something_that_is_not_a_function(exercise, answer):
    verdict = CHECKS[exercise](answer)
    assert isinstance(verdict, Verdict) and not verdict.passed
    assert "pass the function itself" in verdict.message


@pytest.mark.parametrize("exercise", CHECKS)
@pytest.mark.parametrize("answer, message", [(crash, "RuntimeError: boom"), (lambda *args: "text", "expected"),
                                             (lambda *args: None, "")], ids=["crash", "text", "None"])
def test_an_answer_that_crashes_or_returns_nonsense(exercise, answer, message):
    verdict = CHECKS[exercise](answer)
    assert isinstance(verdict, Verdict) and not verdict.passed and not verdict.not_implemented
    assert message in verdict.message and "✗" in verdict.message


@pytest.mark.parametrize("exercise", CHECKS)
def test_the_unfinished_starter(exercise):
    verdict = CHECKS[exercise](starter)
    assert verdict.not_implemented and not verdict.passed and len(verdict.lines) == 1
    assert "not yet implemented" in verdict.message


@pytest.mark.parametrize("exercise", CHECKS)
def test_the_record_the_grader_reads(exercise):
    verdict = CHECKS[exercise](crash)
    data, metadata = verdict._repr_mimebundle_()
    assert metadata[RECORD] == {"exercise": exercise, "passed": False, "message": verdict.message}
    assert data["text/plain"].startswith(f"[{exercise}] ❌ 아직 · not yet\n") and verdict.message in data["text/plain"]
