"""Checks for the exercises of the chapter "closing the gap"."""
from __future__ import annotations

import math

import torch

from ..losses import free_bits_kl
from ._core import Case, compare_tuple, exercise, reference_cases


def _log_mean_exp(log_w):
    return torch.logsumexp(log_w.double(), 0) - math.log(log_w.shape[0])


@exercise("gap/iwae-bound")
def iwae_bound() -> list[Case]:
    """The bound L_k = log (1/k) Σ w_i from the (k, N) log weights, computed stably."""
    g = torch.Generator().manual_seed(0)
    values = [("k = 5, 이미지 4장 · k = 5, 4 images", (torch.randn(5, 4, generator=g) * 3 - 90,)),
              ("로그 가중치가 −1,000 근처 (exp가 0이 됨) · log weights near −1,000 (exp underflows to 0)",
               (torch.randn(50, 3, generator=g) - 1000,)),
              ("k = 1: 하한은 로그 가중치 그 자체 · k = 1: the bound is the log weight itself",
               (torch.randn(1, 6, generator=g) - 100,)),
              ("가중치 하나가 나머지를 압도 · one weight dominates the rest",
               (torch.tensor([[-100.0, -5.0], [-200.0, -5.0], [-300.0, -5.0]]),))]
    return reference_cases(lambda log_w: _log_mean_exp(log_w).float(), values, atol=1e-4, rtol=1e-6)


def _reference_coupling(z, s_raw, t):
    n_a = z.shape[1] // 2
    s = torch.tanh(s_raw.double())
    return torch.cat([z[:, :n_a].double(), z[:, n_a:].double() * s.exp() + t.double()], 1).float(), s.sum(1).float()


@exercise("gap/coupling", compare=compare_tuple("z_new", "log_det"))
def coupling() -> list[Case]:
    """An affine coupling step and its log-determinant."""
    g = torch.Generator().manual_seed(1)

    def inputs(n, d, scale=1.0):
        return (torch.randn(n, d, generator=g), scale * torch.randn(n, d - d // 2, generator=g),
                torch.randn(n, d - d // 2, generator=g))

    values = [("N = 4, d = 6", inputs(4, 6)),
              ("d가 홀수: b가 a보다 하나 많음 · odd d: b has one more value than a", inputs(3, 5)),
              ("큰 s_raw: tanh가 포화 · large s_raw: tanh saturates", inputs(2, 8, scale=20.0)),
              ("d = 50, 배치 32 · d = 50, batch of 32", inputs(32, 50))]
    return reference_cases(_reference_coupling, values, atol=1e-5, rtol=1e-5)


@exercise("gap/free-bits")
def free_bits() -> list[Case]:
    """The free-bits KL term Σ_u max(λ, batch mean of KL_u)."""
    g = torch.Generator().manual_seed(2)

    def inputs(b, d, mu_scale=1.0, bits=0.5):
        return (mu_scale * torch.randn(b, d, generator=g), 0.5 * torch.randn(b, d, generator=g), bits)

    values = [("배치 8, 차원 10, λ = 0.5 · batch of 8, 10 dimensions, λ = 0.5", inputs(8, 10)),
              ("모든 차원이 바닥 아래 · every dimension below the floor", inputs(16, 5, mu_scale=0.05, bits=2.0)),
              ("λ = 0: 보통의 평균 KL · λ = 0: the usual mean KL", inputs(4, 6, bits=0.0)),
              ("배치 1 · batch of 1", inputs(1, 20, bits=0.25)),
              ("이미지마다는 바닥 위, 평균은 아래 · above the floor per image, below it on average",
               (torch.tensor([[1.5, 0.0], [-1.5, 0.0], [0.0, 0.0], [0.0, 0.0]]), torch.zeros(4, 2), 0.6))]
    return reference_cases(lambda mu, logvar, bits: free_bits_kl(mu.double(), logvar.double(), bits).item(),
                           values, atol=1e-5, rtol=1e-5)
