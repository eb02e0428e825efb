"""Checks for the exercises of the chapter "Conditional and convolutional VAEs"."""
from __future__ import annotations

import torch

from ._core import Case, Verdict, _compare, check_function, compare_tuple, reference_cases


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


def _one_hot_cases() -> list[Case]:
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


def with_label(answer) -> Verdict:
    """Exercise variants/one-hot: append the one-hot code of each label to its row of v."""
    return check_function(
        "variants/one-hot", answer, _one_hot_cases(),
        hint="원-핫 벡터의 길이는 배치에 들어 있는 레이블이 아니라 클래스 수 n_classes로 정해집니다. "
             "F.one_hot은 int64 레이블만 받고 정수 텐서를 돌려주니, 자료형을 앞뒤로 맞춰 주세요. "
             "· The length of a one-hot vector is set by the number of classes n_classes, not by the labels that happen "
             "to be in the batch. F.one_hot takes only int64 labels and returns integers: convert on the way in and out.",
        compare=_same_tensor)


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


def conv_output_size(answer) -> Verdict:
    """Exercise variants/conv-size: the output size of a convolution or a transposed convolution."""
    cases = reference_cases(_reference_conv_size, CONV_SIZE_CASES)
    return check_function(
        "variants/conv-size", answer, cases,
        hint="합성곱에서는 커널이 놓일 수 있는 자리의 수를 세고, 스트라이드로 나눌 때 나머지는 버립니다. "
             "전치 합성곱은 같은 설정의 합성곱이 거꾸로 가는 방향입니다: 입력 칸 사이의 간격이 스트라이드가 되고, "
             "커널이 가장자리에서 삐져나온 만큼을 패딩이 잘라 냅니다. k=4, s=2, p=1이 아닌 경우도 맞는지 보세요. "
             "· For a convolution, count the positions the kernel can take and drop the remainder when dividing by the "
             "stride. A transposed convolution goes the other way: its inputs sit a stride apart, the kernel overhangs "
             "at both ends and the padding trims the overhang. Check settings other than k=4, s=2, p=1 too.")


# variants/style-grid ---------------------------------------------------------------------------------

def _reference_style_grid(z, n_classes=10):
    return z.repeat(n_classes, 1), torch.arange(n_classes, device=z.device).repeat_interleave(len(z))


def _same_pair(got, case: Case) -> str | None:
    problem = compare_tuple("z", "labels")(got, case)
    if problem is None and got[1].dtype not in (torch.int64, torch.int32):
        return (f"레이블의 자료형이 {got[1].dtype}입니다. 디코더는 정수 레이블(torch.long)만 받습니다 · "
                f"labels have dtype {got[1].dtype}; the decoder takes integer labels (torch.long) only")
    return problem


def _style_cases() -> list[Case]:
    g = torch.Generator().manual_seed(2)
    inputs = [
        ("z 8개, 20차원, 클래스 10개 · 8 codes of 20 dimensions, 10 classes", (torch.randn(8, 20, generator=g), 10)),
        ("z 하나 (열 하나) · a single code (one column)", (torch.randn(1, 20, generator=g), 10)),
        ("z 5개, 2차원, 클래스 3개 · 5 codes of 2 dimensions, 3 classes", (torch.randn(5, 2, generator=g), 3)),
        ("클래스 1개: z 그대로 · one class: z unchanged", (torch.randn(4, 6, generator=g), 1)),
    ]
    return reference_cases(_reference_style_grid, inputs, atol=0.0, rtol=0.0)


def style_grid(answer) -> Verdict:
    """Exercise variants/style-grid: every code repeated once per label, rows of the grid = labels."""
    return check_function(
        "variants/style-grid", answer, _style_cases(),
        hint="그림은 한 줄에 N개씩 채워집니다. 결과의 처음 N개 행은 레이블 0과 z 전체, 다음 N개 행은 레이블 1과 "
             "z 전체, … 가 되어야 합니다. torch.repeat와 torch.repeat_interleave가 만드는 순서를 작은 텐서로 "
             "확인해 보세요. · The figure fills rows of N images. The first N rows of the result must be label 0 "
             "with every code, the next N label 1 with every code, and so on. Try torch.repeat and "
             "torch.repeat_interleave on a small tensor to see which order each gives.",
        compare=_same_pair)
