"""Checks for the exercises of the chapter "Exploring the latent space with widgets"."""
from __future__ import annotations

import numbers

import torch
from torch.distributions import Normal

from ._core import Case, exercise, reference_cases


class NotAnIndex(TypeError):
    """The answer returned something other than what the exercise asks for (e.g. all the distances)."""


def _as_int(value, what: str) -> int:
    """One whole number from an int or a one-element integer tensor; anything else is a reported mistake."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise NotAnIndex(f"{what}: 정수 하나를 돌려주어야 하는데 모양 {tuple(value.shape)}인 텐서를 돌려주었습니다 · "
                             f"{what}: expected one integer, got a tensor of shape {tuple(value.shape)}")
        if value.is_floating_point():
            raise NotAnIndex(f"{what}: 위치(정수)를 돌려주어야 하는데 실수 {value.item():.4g}을(를) 돌려주었습니다 · "
                             f"{what}: expected a position (an integer), got the float {value.item():.4g}")
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise NotAnIndex(f"{what}: 정수를 돌려주어야 하는데 {type(value).__name__}을(를) 돌려주었습니다 · "
                         f"{what}: expected an integer, got {type(value).__name__}")
    return int(value)


# widgets/nearest-code -------------------------------------------------------------------------------

def _reference_nearest(z, codes):
    return int(((codes.double() - z.double()) ** 2).sum(1).argmin())


def _index_of(answer):
    """`answer` made to return one whole number, or raise NotAnIndex."""
    def run(z, codes):
        return _as_int(answer(z, codes), "nearest_code")
    return run


@exercise("widgets/nearest-code", run=_index_of)
def nearest_code() -> list[Case]:
    """The row index of the code (N, 2) closest to the point z (2,)."""
    g = torch.Generator().manual_seed(7)
    codes = torch.randn(500, 2, generator=g) * torch.tensor([1.0, 2.0])
    inputs = [
        ("500개 코드, 원점 근처의 점 · 500 codes, a point near the origin", (torch.tensor([0.1, -0.2]), codes)),
        ("코드 하나와 정확히 같은 점 · a point exactly on one of the codes", (codes[123].clone(), codes)),
        ("코드 하나뿐 · a single code", (torch.tensor([3.0, 3.0]), torch.tensor([[-1.0, 0.5]]))),
        # nearest by z2 alone would pick index 0, nearest by z1 alone index 2: only both coordinates give index 1
        ("z1만, 또는 z2만 보면 틀리는 경우 · wrong if only z1 or only z2 is used",
         (torch.tensor([0.0, 0.0]), torch.tensor([[5.0, 0.1], [0.9, 0.9], [0.2, 5.0]]))),
        ("코드가 모두 멀리 있는 점 · a point far from every code", (torch.tensor([-40.0, 25.0]), codes)),
    ]
    return reference_cases(_reference_nearest, inputs)


# widgets/manifold-cell ------------------------------------------------------------------------------

def _reference_cell(z, z1_values, z2_values):
    return ((z2_values - z[1]).abs().argmin().item(), (z1_values - z[0]).abs().argmin().item())


def _cell_of(answer):
    """`answer` made to return two whole numbers (row, column), or raise NotAnIndex."""
    def run(z, z1_values, z2_values):
        got = answer(z, z1_values, z2_values)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise NotAnIndex(f"(행, 열) 두 정수를 돌려주어야 하는데 {type(got).__name__}을(를) 돌려주었습니다 · "
                             f"expected two integers (row, column), got {type(got).__name__}")
        return _as_int(got[0], "row"), _as_int(got[1], "column")
    return run


@exercise("widgets/manifold-cell", run=_cell_of)
def manifold_cell() -> list[Case]:
    """The (row, column) of the manifold image whose grid point is nearest to z."""
    axis = Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, 15))
    down = axis.flip(0)  # image order: the top row has the largest z2
    inputs = [
        ("15×15 분위수 격자, 오른쪽 위 · 15×15 quantile grid, upper right", (torch.tensor([1.2, 1.5]), axis, down)),
        ("15×15 분위수 격자, 왼쪽 아래 · 15×15 quantile grid, lower left", (torch.tensor([-1.0, -0.7]), axis, down)),
        ("격자점 위의 점 · a point on a grid point", (torch.tensor([axis[3].item(), down[9].item()]), axis, down)),
        ("격자 밖의 점은 가장 가까운 가장자리 칸 · a point beyond the grid goes to the nearest edge cell",
         (torch.tensor([-5.0, 4.0]), axis, down)),
        ("행과 열의 수가 다른 격자 (3행 × 6열) · a grid with different numbers of rows and columns (3 × 6)",
         (torch.tensor([0.9, 0.1]), torch.linspace(-2.5, 2.5, 6), torch.tensor([1.0, 0.0, -1.0]))),
    ]
    return reference_cases(_reference_cell, inputs)
