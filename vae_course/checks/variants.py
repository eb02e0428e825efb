"""Checks for the exercises of the chapter "Conditional and convolutional VAEs"."""
from __future__ import annotations

import torch

from ._core import Case, _compare, compare_tuple, exercise, reference_cases


# variants/one-hot ------------------------------------------------------------------------------------

def _reference_with_label(v, y, n_classes=10):
    one_hot = torch.nn.functional.one_hot(y.long(), n_classes).to(v.dtype)
    return torch.cat([v, one_hot], dim=1)


def _same_tensor(got, case: Case) -> str | None:
    """`_compare`, after a check of the dtype: `_compare` casts to the expected dtype before comparing."""
    expected = case.expected
    if isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype != expected.dtype:
        return (f"자료형이 {got.dtype}, 입력 v와 같은 {expected.dtype}이어야 합니다 · "
                f"dtype {got.dtype}, expected {expected.dtype}, the dtype of the input v")
    return _compare(got, expected, case)


@exercise("variants/one-hot", compare=_same_tensor)
def with_label() -> list[Case]:
    """The rows of v, each with the one-hot code of its label appended."""
    g = torch.Generator().manual_seed(0)
    inputs = [
        ("이미지 배치 8개, 모든 숫자 · a batch of 8 images, digits of every kind",
         (torch.rand(8, 784, generator=g), torch.tensor([0, 9, 3, 1, 4, 1, 5, 9]))),
        ("배치 크기 1, 레이블 3 · batch size 1, label 3", (torch.randn(1, 20, generator=g), torch.tensor([3]))),
        ("레이블이 모두 0 · every label 0", (torch.randn(4, 20, generator=g), torch.zeros(4, dtype=torch.long))),
        ("레이블이 모두 9 (마지막 클래스) · every label 9 (the last class)",
         (torch.randn(3, 20, generator=g), torch.full((3,), 9))),
        ("int32 레이블 · int32 labels", (torch.randn(5, 20, generator=g), torch.tensor([2, 7, 0, 9, 5], dtype=torch.int32))),
        ("float64 입력: 결과도 float64 · float64 input: float64 result",
         (torch.randn(4, 20, generator=g, dtype=torch.float64), torch.tensor([1, 0, 9, 4]))),
    ]
    cases = reference_cases(_reference_with_label, inputs, atol=0.0, rtol=0.0)
    small = (torch.tensor([[0.5, -1.0], [2.0, 0.0]]), torch.tensor([2, 0]), 3)
    cases.append(Case("클래스 3개, 2차원 v · 3 classes, 2-dimensional v", small, _reference_with_label(*small), atol=0.0, rtol=0.0))
    return cases


# variants/conv-size ----------------------------------------------------------------------------------

def _reference_conv_size(size, kernel, stride, padding, transposed=False):
    if transposed:
        return (size - 1) * stride - 2 * padding + kernel
    return (size + 2 * padding - kernel) // stride + 1


CONV_SIZE_CASES = [  # (about, (size, kernel, stride, padding, transposed))
    ("합성곱 28 → 14 (k=4, s=2, p=1) · convolution 28 → 14 (k=4, s=2, p=1)", (28, 4, 2, 1, False)),
    ("합성곱 14 → 7 · convolution 14 → 7", (14, 4, 2, 1, False)),
    ("전치 합성곱 7 → 14 · transposed convolution 7 → 14", (7, 4, 2, 1, True)),
    ("전치 합성곱 14 → 28 · transposed convolution 14 → 28", (14, 4, 2, 1, True)),
    ("홀수 크기 9, k=4, s=2, p=1: 나누어떨어지지 않음 · odd size 9, k=4, s=2, p=1: not divisible", (9, 4, 2, 1, False)),
    ("크기 7, k=3, s=2, p=1 · size 7, k=3, s=2, p=1", (7, 3, 2, 1, False)),
    ("패딩 없음, 스트라이드 1: 28 → 24 (k=5) · no padding, stride 1: 28 → 24 (k=5)", (28, 5, 1, 0, False)),
    ("전치 합성곱 4, k=3, s=2, p=1 · transposed convolution 4, k=3, s=2, p=1", (4, 3, 2, 1, True)),
    ("전치 합성곱 5, k=5, s=1, p=2: 크기 유지 · transposed convolution 5, k=5, s=1, p=2: size kept", (5, 5, 1, 2, True)),
    ("크기 1, 1×1 커널 · size 1, a 1×1 kernel", (1, 1, 1, 0, False)),
]


@exercise("variants/conv-size")
def conv_output_size() -> list[Case]:
    """The output size of a convolution or a transposed convolution."""
    return reference_cases(_reference_conv_size, CONV_SIZE_CASES)


# variants/style-grid ---------------------------------------------------------------------------------

def _reference_style_grid(z, n_classes=10):
    return z.repeat(n_classes, 1), torch.arange(n_classes, device=z.device).repeat_interleave(len(z))


def _same_pair(got, case: Case) -> str | None:
    problem = compare_tuple("z", "labels")(got, case)
    if problem is None and got[1].dtype not in (torch.int64, torch.int32):
        return (f"레이블의 자료형이 {got[1].dtype}입니다. 디코더는 정수 레이블(torch.long)만 받습니다 · "
                f"labels have dtype {got[1].dtype}; the decoder takes integer labels (torch.long) only")
    return problem


@exercise("variants/style-grid", compare=_same_pair)
def style_grid() -> list[Case]:
    """Every code repeated once per label, rows of the grid = labels."""
    g = torch.Generator().manual_seed(2)
    inputs = [
        ("z 8개, 20차원, 클래스 10개 · 8 codes of 20 dimensions, 10 classes", (torch.randn(8, 20, generator=g), 10)),
        ("z 하나 (열 하나) · a single code (one column)", (torch.randn(1, 20, generator=g), 10)),
        ("z 5개, 2차원, 클래스 3개 · 5 codes of 2 dimensions, 3 classes", (torch.randn(5, 2, generator=g), 3)),
        ("클래스 1개: z 그대로 · one class: z unchanged", (torch.randn(4, 6, generator=g), 1)),
    ]
    return reference_cases(_reference_style_grid, inputs, atol=0.0, rtol=0.0)
