"""Checks for the exercises of the chapter "From autoencoders to VAEs"."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._core import Case, exercise, reference_cases


def _reference_reconstruction(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


@exercise("autoencoders/reconstruction-loss")
def reconstruction_loss() -> list[Case]:
    """Per-example BCE with logits, summed over pixels."""
    g = torch.Generator().manual_seed(0)

    def batch(n, binary=True, scale=3.0):
        x = torch.rand(n, 784, generator=g)
        return torch.randn(n, 784, generator=g) * scale, torch.bernoulli(x, generator=g) if binary else x

    confident_x = torch.bernoulli(torch.full((4, 784), 0.3), generator=g)
    cases = [
        ("배치 64, 이진 픽셀 · batch of 64, binary pixels", batch(64)),
        ("배치 크기 1 · batch size 1", batch(1)),
        ("회색조 픽셀 · gray pixels", batch(8, binary=False)),
        ("로짓 0: 한 장에 784 ln 2 · logits 0: 784 ln 2 per image", (torch.zeros(3, 784), torch.ones(3, 784))),
        ("아주 큰 로짓 (수백) · very large logits (in the hundreds)", batch(4, scale=200.0)),
        ("확신에 찬 정답: 거의 0 · confident and right: almost 0", ((2 * confident_x - 1) * 30.0, confident_x)),
    ]
    return reference_cases(_reference_reconstruction, cases, atol=1e-3)


class _TinyDecoder(nn.Module):
    """A fixed small decoder 2 → 16 → 784, the same weights at every call of the check."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 784)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=g))

    def forward(self, z):
        return self.out(torch.relu(self.hidden(z)))


def _identity(z):
    return z


def _reference_grid(decoder, z1_values, z2_values):
    rows, cols = torch.meshgrid(z2_values, z1_values, indexing="ij")
    z = torch.stack([cols.reshape(-1), rows.reshape(-1)], dim=1)
    with torch.no_grad():
        return torch.sigmoid(decoder(z))


@exercise("autoencoders/decode-grid")
def decode_grid() -> list[Case]:
    """Pixel means at every grid point, in image order."""
    decoder = _TinyDecoder()
    cases = [
        ("디코더가 z를 그대로 돌려줄 때, 2행 3열 · a decoder that returns z itself, 2 rows × 3 columns",
         (_identity, torch.tensor([-1.0, 0.0, 1.0]), torch.tensor([2.0, -2.0]))),
        ("작은 디코더, 4행 4열 · a small decoder, 4 × 4 grid",
         (decoder, torch.linspace(-2, 2, 4), torch.linspace(2, -2, 4))),
        ("가로로 긴 격자, 2행 5열 · a wide grid, 2 rows × 5 columns",
         (decoder, torch.linspace(-3, 1, 5), torch.tensor([0.5, -1.5]))),
        ("점 하나 · a single point", (decoder, torch.tensor([0.3]), torch.tensor([-0.7]))),
        ("먼 점들 (±50) · far-away points (±50)", (decoder, torch.tensor([-50.0, 50.0]), torch.tensor([50.0, -50.0]))),
    ]
    return reference_cases(_reference_grid, cases, atol=1e-5)


def _reference_holes(points, codes, radius):
    distances = torch.cdist(points, codes, compute_mode="donot_use_mm_for_euclid_dist")  # exact, as in latent_grid
    return (distances.min(dim=1).values > radius).float().mean().item()


@exercise("autoencoders/hole-fraction")
def hole_fraction() -> list[Case]:
    """The share of points with no code within the radius."""
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(300, 2, generator=g)
    far = torch.tensor([[0.0, 0.0], [6.0, 0.0]])
    cases = [
        ("무작위 점과 코드, 반지름 0.2 · random points and codes, radius 0.2",
         (torch.randn(200, 2, generator=g) * 2, codes, 0.2)),
        ("반지름 0.5: 거리의 제곱과 비교하면 틀립니다 · radius 0.5: comparing squared distances is wrong",
         (torch.randn(200, 2, generator=g) * 2, codes, 0.5)),
        ("코드 바로 위의 점: 구멍 없음 · points right on codes: no holes", (codes[:50], codes, 0.01)),
        ("모든 점이 멀리: 모두 구멍 · every point far away: all holes", (torch.full((5, 2), 40.0), codes, 1.0)),
        ("코드 하나 · a single code", (torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 1.0]]), torch.zeros(1, 2), 2.0)),
        ("점 하나 · a single point", (torch.tensor([[5.0, 0.0]]), far, 0.5)),
        ("가장 가까운 코드만 중요 · only the nearest code counts",
         (torch.tensor([[1.0, 0.0], [5.0, 0.0], [3.0, 0.0]]), far, 1.5)),
    ]
    return reference_cases(_reference_holes, cases, atol=1e-6, rtol=0.0)

