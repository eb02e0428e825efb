"""Checks for the exercises of the chapter "The latent space"."""
from __future__ import annotations

import torch
from torch.distributions import Normal

from ._core import Case, exercise, reference_cases


# latent/normal-quantiles ---------------------------------------------------------------------------

def _reference_quantiles(n, low, high):
    p = torch.linspace(low, high, n, dtype=torch.float64)
    return Normal(0.0, 1.0).icdf(p).float()


@exercise("latent/normal-quantiles")
def normal_quantiles() -> list[Case]:
    """The n standard-normal quantiles at equally spaced probabilities."""
    inputs = [
        ("n = 20, (0.05, 0.95): 매니폴드 격자의 한 축 · n = 20, (0.05, 0.95): one axis of the manifold grid",
         (20, 0.05, 0.95)),
        ("n = 2: 양 끝점만 (±1.645) · n = 2: the two endpoints only (±1.645)", (2, 0.05, 0.95)),
        ("대칭 구간, n = 5: 가운데 값은 0 · symmetric interval, n = 5: the middle value is 0", (5, 0.1, 0.9)),
        ("한쪽 구간 (0.5, 0.975): 0에서 1.96까지 · one-sided interval (0.5, 0.975): from 0 to 1.96", (4, 0.5, 0.975)),
        ("먼 꼬리 (0.0001, 0.9999) · far tails (0.0001, 0.9999)", (7, 0.0001, 0.9999)),
    ]
    return reference_cases(_reference_quantiles, inputs, atol=1e-3, rtol=1e-4)


# latent/interpolate -------------------------------------------------------------------------------

def _reference_interpolate(z1, z2, n):
    t = torch.linspace(0.0, 1.0, n, dtype=z1.dtype)[:, None]
    return (1 - t) * z1 + t * z2


@exercise("latent/interpolate")
def interpolate() -> list[Case]:
    """The linear path from z1 to z2 in n steps, endpoints included, shape (n, d)."""
    g = torch.Generator().manual_seed(20)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    same = randn(6)
    inputs = [
        ("잠재 차원 20, 점 8개 · 20 latent dimensions, 8 points", (randn(20), randn(20), 8)),
        ("n = 2: 두 끝점만 · n = 2: the two endpoints only", (randn(20), randn(20), 2)),
        ("두 끝점이 같을 때 · identical endpoints", (same, same.clone(), 5)),
        ("1차원 잠재 공간 · a one-dimensional latent space", (torch.tensor([-2.0]), torch.tensor([3.0]), 6)),
        ("잠재 차원 200, 큰 값 · 200 latent dimensions, large values", (10 * randn(200), 10 * randn(200), 11)),
    ]
    return reference_cases(_reference_interpolate, inputs)


# latent/active-units ------------------------------------------------------------------------------

class NotACount(TypeError):
    """The answer returned several numbers (e.g. the variances) instead of one count."""


def _one_number(answer):
    """Run `answer` and insist on one number: a tensor of variances would make the comparison ambiguous."""
    def run(means, threshold):
        got = answer(means, threshold)
        if isinstance(got, torch.Tensor) and got.numel() != 1:
            raise NotACount(f"개수 하나를 돌려주어야 하는데 모양 {tuple(got.shape)}인 텐서를 돌려주었습니다 · "
                            f"expected one count, got a tensor of shape {tuple(got.shape)}")
        return got
    return run


def _reference_active_units(means, threshold):
    return int((means.var(0) > threshold).sum())


def _with_variances(variances, n=1000, offset=0.0, seed=0):
    """An (n, d) matrix of codes whose column u has sample variance variances[u] exactly (up to rounding)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(n, len(variances), generator=g, dtype=torch.float64)
    noise = (noise - noise.mean(0)) / noise.std(0)
    return (offset + noise * torch.tensor(variances, dtype=torch.float64).sqrt()).float()


def _at_threshold():
    """Nine codes whose columns have sample variances 1, 4, 0.25 and 0, computed exactly in floating point."""
    steps = torch.tensor([-1.0, 1.0, -1.0, 0.0, 1.0, -1.0, 1.0, 1.0, -1.0])
    return torch.stack([steps, 2 * steps, 0.5 * steps, torch.full_like(steps, 7.0)], 1)


@exercise("latent/active-units", run=_one_number)
def active_units() -> list[Case]:
    """The number of columns of a matrix of encoder means whose variance exceeds a threshold."""
    inputs = [
        ("데이터 점 1,000개, 10차원, 활성 5개 · 1,000 data points, 10 dimensions, 5 active",
         (_with_variances([4.0, 1e-4, 1.0, 0.0, 0.25, 0.0025, 0.09, 1e-6, 0.04, 0.0]), 0.01)),
        ("모든 코드가 상수: 0개 · every code is constant: 0 active",
         (torch.tensor([[3.0, -1.0, 0.0, 0.5]]).repeat(200, 1), 0.01)),
        ("문턱 바로 위아래 (0.0098, 0.0102, 0.0099, 0.0101) · just below and above the threshold "
         "(0.0098, 0.0102, 0.0099, 0.0101)", (_with_variances([0.0098, 0.0102, 0.0099, 0.0101], seed=1), 0.01)),
        ("분산이 문턱과 정확히 같은 차원은 활성이 아님 (문턱 1.0) · a variance exactly at the threshold is not active "
         "(threshold 1.0)", (_at_threshold(), 1.0)),
        ("0에서 먼 평균 (100 근처), 작은 분산 · means far from 0 (around 100), small variance",
         (_with_variances([1e-3, 2e-3, 5e-3], offset=100.0, seed=2), 0.01)),
        ("다른 문턱 (0.1) · another threshold (0.1)", (_with_variances([0.05, 0.2, 0.5, 0.09, 1.0], seed=3), 0.1)),
        ("잠재 차원 1 · one latent dimension", (_with_variances([0.3], n=50, seed=4), 0.01)),
    ]
    return reference_cases(_reference_active_units, inputs)
