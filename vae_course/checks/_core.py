"""The machinery of exercise checks: run a student's function on cases, report in both languages.

A check never raises because of the student's answer: a wrong type, a crash or an
unfinished starter all become a failed `Verdict` with a message. The verdict shows as
bilingual text in a notebook, and its output metadata carries a JSON record under
`RECORD` that the grader reads from executed notebooks.
"""
from __future__ import annotations

import copy
import json
import math
import numbers
import os
import traceback
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import torch

from ..losses import _bernoulli_reconstruction, _kl_divergence

RECORD = "vae_course_check"


@dataclass
class Verdict:
    """The outcome of one exercise check."""

    exercise: str
    passed: bool
    lines: list[str] = field(default_factory=list)
    hint: str = ""
    not_implemented: bool = False  # the answer is still the starter (raises NotImplementedError)

    @property
    def message(self) -> str:
        return "\n".join(self.lines + ([f"힌트 · hint: {self.hint}"] if self.hint and not self.passed else []))

    def __str__(self) -> str:
        head = "✅ 통과 · passed" if self.passed else "❌ 아직 · not yet"
        return f"[{self.exercise}] {head}\n{self.message}".rstrip()

    def __bool__(self) -> bool:
        return self.passed

    def _repr_mimebundle_(self, include=None, exclude=None):
        record = {"exercise": self.exercise, "passed": self.passed, "message": self.message}
        return {"text/plain": str(self)}, {RECORD: record}


@dataclass
class Case:
    """One input for the student's function, with the reference answer to compare against.

    `about` says in both languages what the case tests, e.g. "배치 크기 1 · batch size 1".
    """

    about: str
    args: tuple
    expected: Any
    atol: float = 1e-5
    rtol: float = 1e-4


def _compare(got: Any, expected: Any, case: Case) -> str | None:
    """None if `got` matches `expected`, else what differs (bilingual)."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"텐서를 돌려주어야 하는데 {type(got).__name__}을(를) 돌려주었습니다 · expected a tensor, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"모양이 {tuple(got.shape)}, 기대한 모양은 {tuple(expected.shape)} · shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        got = got.detach().to("cpu", expected.dtype)
        if (~torch.isfinite(got) & (got != expected)).any():  # NaN never passes, nor inf where none is expected
            return "결과에 NaN 또는 무한대가 있습니다 · the result contains NaN or infinity"
        if not torch.allclose(got, expected, atol=case.atol, rtol=case.rtol, equal_nan=False):
            worst = (got - expected).abs().max().item()
            return f"값이 다릅니다 (최대 차이 {worst:.3g}) · values differ (largest difference {worst:.3g})"
        return None
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return None if got == expected else f"{got!r}, 기대한 값과 다릅니다 · {got!r} is not the expected value"
    if isinstance(got, torch.Tensor) and got.numel() == 1 and got.dtype != torch.bool:
        got = got.item()  # a one-element tensor holds a number; its dtype decides int or float below
    if isinstance(got, bool) or (isinstance(expected, int) and not isinstance(got, numbers.Integral)):
        ko, en = ("정수", "an integer") if isinstance(expected, int) else ("수", "a number")
        return (f"{got!r}: {ko}를 돌려주어야 하는데 {type(got).__name__}을(를) 돌려주었습니다 · "
                f"{got!r}: expected {en}, got {type(got).__name__}")
    try:
        value = float(got)
    except (TypeError, ValueError):
        return f"수를 돌려주어야 하는데 {type(got).__name__}을(를) 돌려주었습니다 · expected a number, got {type(got).__name__}"
    if not math.isfinite(value):
        return f"{value}: 결과가 NaN 또는 무한대입니다 · the result is NaN or infinite"
    if isinstance(expected, int):
        return None if value == expected else f"{value:g}, 기대한 값과 다릅니다 · {value:g} is not the expected value"
    if abs(value - expected) > case.atol + case.rtol * abs(expected):
        return f"{value:.6g}, 기대한 값과 다릅니다 · {value:.6g} differs from the expected value"
    return None


def compare_tuple(*names: str, order: tuple[int, ...] | None = None) -> Callable[[Any, Case], str | None]:
    """A `compare` for answers that return a tuple of values named `names`, each compared as `_compare` does.

    `order` says which element to check first (e.g. the encoder's outputs before the decoder's); the first
    problem found is reported, prefixed with its name.
    """
    def compare(got: Any, case: Case) -> str | None:
        listed = ", ".join(names)
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            kind = f"{type(got).__name__} of length {len(got)}" if isinstance(got, (tuple, list)) else type(got).__name__
            return (f"({listed}) {len(names)}개를 튜플로 돌려주어야 하는데 {kind}을(를) 돌려주었습니다 · "
                    f"expected a tuple ({listed}), got {kind}")
        for index in order or range(len(names)):
            problem = _compare(got[index], case.expected[index], case)
            if problem is not None:  # the name in front of both halves, Korean and English
                return " · ".join(f"{names[index]}: {half}" for half in problem.split(" · ", 1))
        return None

    return compare


def not_implemented(exercise: str) -> Verdict:
    """The verdict on a starter that still raises NotImplementedError."""
    return Verdict(exercise, False, ["아직 구현하지 않았습니다: 시작 코드의 raise NotImplementedError를 지우고 채워 보세요 · "
                                     "not yet implemented: replace the starter's raise NotImplementedError"],
                   not_implemented=True)


def check_function(exercise: str, answer: Any, cases: list[Case], hint: str = "",
                   compare: Callable[[Any, Case], str | None] | None = None) -> Verdict:
    """Call `answer` on fresh copies of every case's arguments and compare with `case.expected`.

    `compare(got, case)` replaces the default comparison; it returns the problem in words, or None.
    """
    if not callable(answer):
        return Verdict(exercise, False, [f"함수를 넘겨야 하는데 {type(answer).__name__}을(를) 넘겼습니다 · "
                                         f"pass the function itself, got {type(answer).__name__}"], hint)
    lines, passed = [], True
    for case in cases:
        try:
            got = answer(*copy.deepcopy(case.args))  # an answer that edits its input in place spoils no other case
            problem = compare(got, case) if compare else _compare(got, case.expected, case)
        except NotImplementedError:
            return not_implemented(exercise)
        except Exception as err:  # noqa: BLE001 - any crash of the answer is reported, never raised
            problem = describe_crash(err)
        passed &= problem is None
        lines.append(f"  {'✓' if problem is None else '✗'} {case.about}" + ("" if problem is None else f" — {problem}"))
    return Verdict(exercise, passed, lines, hint)


HINTS: dict[str, dict[str, str]] = json.loads(resources.files(__package__).joinpath("hints.json").read_text("utf-8"))
"""The hint of every exercise by id, in Korean ('ko') and English ('en')."""

CHECKS: dict[str, Callable[[Any], Verdict]] = {}
"""Every exercise check of the course by exercise id, filled as `vae_course.checks` imports the chapters."""


def exercise(exercise_id: str, compare: Callable[[Any, Case], str | None] | None = None,
             run: Callable | None = None, then: tuple[Callable, Callable | None] | None = None):
    """Turn the decorated function, which builds the cases, into the check of `exercise_id`: `check(answer) -> Verdict`.

    The decorated function's docstring says what the answer computes; the hint shown on failure is the
    exercise's entry in hints.json, Korean and English. `run(answer)` adapts a callable answer
    before the comparison (e.g. to a number); `compare` replaces the default one (see `check_function`).
    With `then=(adapt, compare)` the cases come in two lists: the second is checked on `adapt(answer)`
    (e.g. its gradients; `run` is not applied) if the answer ran on the first, and the two verdicts become one.
    The check is registered in `CHECKS`; `check.cases()` builds its cases.
    """
    if exercise_id not in HINTS:
        raise KeyError(f"No hint for exercise {exercise_id!r}: add it to vae_course/checks/hints.json, in 'ko' and 'en'.")
    hint = f"{HINTS[exercise_id]['ko']} · {HINTS[exercise_id]['en']}"

    def declare(cases: Callable[[], list[Case] | tuple[list[Case], list[Case]]]) -> Callable[[Any], Verdict]:
        def check(answer: Any) -> Verdict:
            adapted = run(answer) if run is not None and callable(answer) else answer
            if then is None:
                return check_function(exercise_id, adapted, cases(), hint, compare)
            first_cases, second_cases = cases()
            first = check_function(exercise_id, adapted, first_cases, hint, compare)
            if not callable(answer) or first.not_implemented:
                return first
            second = check_function(exercise_id, then[0](answer), second_cases, hint, then[1])
            if second.not_implemented:
                return second
            return Verdict(exercise_id, first.passed and second.passed, first.lines + second.lines, hint)

        check.__name__, check.__qualname__, check.__doc__ = cases.__name__, cases.__qualname__, cases.__doc__
        check.__module__ = cases.__module__
        check.cases = cases
        CHECKS[exercise_id] = check
        return check

    return declare


def reference_cases(reference: Callable, inputs: list[tuple[str, tuple]], **tolerance: float) -> list[Case]:
    """A Case for each (about, args) of `inputs`, expecting `reference(*args)`."""
    return [Case(about, args, reference(*args), **tolerance) for about, args in inputs]


_NOT_THE_ANSWER = tuple(str(folder) + os.sep for folder in (Path(__file__).parents[1], Path(torch.__file__).parent))


def describe_crash(err: Exception) -> str:
    """A crash of the answer in words: the error and the last line of the answer's own code it ran, not of
    vae_course or PyTorch (no line for a mistake that a check's adapter names, e.g. a tensor for a number)."""
    own = [frame for frame in traceback.extract_tb(err.__traceback__) if not frame.filename.startswith(_NOT_THE_ANSWER)]
    return f"{type(err).__name__}: {err}" + (f" (line {own[-1].lineno})" if own else "")


# The VAE loss exercises (training, building, β) share their reference and their random inputs --------

def reference_loss(logits, x, mu, logvar, beta=1.0):
    """The batch mean of reconstruction error + β · KL on the package's kernels, without its input checks
    (the cases go to ±30 in log σ²)."""
    return (_bernoulli_reconstruction(logits, x) + beta * _kl_divergence(mu, logvar)).mean()


def loss_inputs(g: torch.Generator, n: int, binary: bool = True, mu_scale: float = 1.0,
                logvar_scale: float = 1.0) -> tuple:
    """Random (logits, x, μ, log σ²) for n images of 784 pixels and 20 latent dimensions."""
    x = torch.rand(n, 784, generator=g)
    x = torch.bernoulli(x, generator=g) if binary else x
    logits = torch.randn(n, 784, generator=g) * 3
    mu = torch.randn(n, 20, generator=g) * mu_scale
    logvar = torch.randn(n, 20, generator=g) * logvar_scale
    return logits, x, mu, logvar


PRIOR_INPUTS = (torch.zeros(4, 784), torch.ones(4, 784), torch.zeros(4, 20), torch.zeros(4, 20))  # loss: 784 ln 2


def loss_case(about: str, args: tuple) -> Case:
    """A case of a loss exercise, with the reference answer."""
    return Case(about, args, reference_loss(*args), atol=1e-3)
