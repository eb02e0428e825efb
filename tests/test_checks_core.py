"""The comparison rules every exercise check shares (vae_course/checks/_core.py)."""
import math

import pytest
import torch

from vae_course.checks._core import Case, check_function


def verdict_for(answer, expected, **tolerances):
    return check_function("core/test", answer, [Case("사례 · case", (torch.ones(3),), expected, **tolerances)])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, torch.tensor(math.nan)])
def test_nan_or_inf_never_passes_a_number(bad):
    verdict = verdict_for(lambda x: bad, 1.0, atol=math.inf)  # even with an infinite tolerance
    assert not verdict.passed and "NaN or infinite" in verdict.message


def test_nan_never_passes_a_tensor():
    expected = torch.tensor([1.0, 2.0, 3.0])
    for got in (torch.tensor([1.0, math.nan, 3.0]), torch.tensor([1.0, math.inf, 3.0])):
        verdict = verdict_for(lambda x, got=got: got, expected, atol=math.inf)
        assert not verdict.passed and "NaN or infinity" in verdict.message


def test_an_expected_infinity_is_matched_exactly():
    expected = torch.tensor([-math.inf, 0.0])
    assert verdict_for(lambda x: torch.tensor([-math.inf, 0.0]), expected).passed
    assert not verdict_for(lambda x: torch.tensor([math.inf, 0.0]), expected).passed


@pytest.mark.parametrize("got, passes", [(1, True), (torch.tensor(1), True), (True, False), (1.0, False),
                                         (torch.tensor(1.0), False), ("1", False), (2, False)])
def test_integers_are_compared_strictly(got, passes):
    verdict = verdict_for(lambda x: got, 1)
    assert verdict.passed is passes, verdict.message


def test_a_float_answer_within_tolerance_passes_and_a_bool_does_not():
    assert verdict_for(lambda x: 1.0 + 1e-7, 1.0).passed
    assert not verdict_for(lambda x: True, 1.0).passed


def test_every_case_gets_fresh_inputs():
    shared = torch.ones(3)
    cases = [Case(f"사례 {i} · case {i}", (shared,), 3.0) for i in range(3)]

    def sum_then_spoil(x):
        total = x.sum().item()
        x.zero_()  # an answer that edits its input in place
        return total

    verdict = check_function("core/test", sum_then_spoil, cases)
    assert verdict.passed, verdict.message
    assert torch.equal(shared, torch.ones(3))


def test_not_implemented_is_a_field_of_the_verdict():
    def starter(x):
        raise NotImplementedError("여기를 채우세요 · write your solution here")

    verdict = verdict_for(starter, 1.0)
    assert verdict.not_implemented and not verdict.passed
    assert not verdict_for(lambda x: 2.0, 1.0).not_implemented


def test_an_exercise_without_a_hint_is_refused_when_declared():
    from vae_course.checks._core import exercise

    with pytest.raises(KeyError, match="add it to vae_course/checks/hints.json"):
        exercise("core/no-such-exercise")


def test_a_two_part_check_reports_both_parts_and_stops_at_an_unfinished_answer(monkeypatch):
    from vae_course.checks._core import CHECKS, HINTS, exercise

    monkeypatch.setitem(HINTS, "core/two-part", {"ko": "힌트", "en": "hint"})
    monkeypatch.setitem(CHECKS, "core/two-part", None)  # removed again after the test

    def doubled(answer):
        return lambda x: 2 * answer(x)

    @exercise("core/two-part", then=(doubled, None))
    def cases():
        return ([Case("값 · value", (torch.ones(2),), torch.ones(2))],
                [Case("두 배 · doubled", (torch.ones(2),), torch.full((2,), 2.0))])

    def unfinished(x):
        raise NotImplementedError

    assert CHECKS["core/two-part"] is cases
    assert cases(lambda x: x).passed and len(cases(lambda x: x).lines) == 2
    wrong = cases(lambda x: 3 * x)
    assert not wrong.passed and [line.lstrip()[0] for line in wrong.lines] == ["✗", "✗"]
    assert wrong.hint == "힌트 · hint"
    assert cases(unfinished).not_implemented


def test_a_crash_names_the_line_of_the_answer_not_the_line_inside_pytorch():
    def answer(x):
        return torch.nn.functional.binary_cross_entropy_with_logits(x, x[:1, None])  # PyTorch raises: sizes differ

    verdict = check_function("core/test", answer, [Case("사례 · case", (torch.ones(3),), torch.ones(3))])
    assert "ValueError" in verdict.lines[0] and f"(line {answer.__code__.co_firstlineno + 1})" in verdict.lines[0]


def test_a_crash_inside_the_package_also_names_the_line_of_the_answer():
    from vae_course.losses import kl_divergence

    def answer(x):
        return kl_divergence(x, x[:1])  # the package's input check raises: shapes differ

    verdict = check_function("core/test", answer, [Case("사례 · case", (torch.ones(3, 2),), torch.ones(3))])
    assert "ValueError" in verdict.lines[0] and f"(line {answer.__code__.co_firstlineno + 1})" in verdict.lines[0]
