"""Checks for the exercises of the chapter "closing the gap"."""
from __future__ import annotations

import math

import torch

from ..losses import free_bits_kl
from ._core import Case, Verdict, check_function, compare_tuple, reference_cases


def _log_mean_exp(log_w):
    return torch.logsumexp(log_w.double(), 0) - math.log(log_w.shape[0])


def _iwae_cases() -> list[Case]:
    g = torch.Generator().manual_seed(0)
    values = [("k = 5, 이미지 4장 · k = 5, 4 images", (torch.randn(5, 4, generator=g) * 3 - 90,)),
              ("로그 가중치가 −1,000 근처 (exp가 0이 됨) · log weights near −1,000 (exp underflows to 0)",
               (torch.randn(50, 3, generator=g) - 1000,)),
              ("k = 1: 하한은 로그 가중치 그 자체 · k = 1: the bound is the log weight itself",
               (torch.randn(1, 6, generator=g) - 100,)),
              ("가중치 하나가 나머지를 압도 · one weight dominates the rest",
               (torch.tensor([[-100.0, -5.0], [-200.0, -5.0], [-300.0, -5.0]]),))]
    return reference_cases(lambda log_w: _log_mean_exp(log_w).float(), values, atol=1e-4, rtol=1e-6)


def iwae_bound(answer) -> Verdict:
    """Exercise gap/iwae-bound: L_k = log (1/k) Σ w_i from the (k, N) log weights, stable."""
    return check_function(
        "gap/iwae-bound", answer, _iwae_cases(),
        hint="표본 축(dim=0)으로 torch.logsumexp를 취한 뒤 log k를 빼세요. exp(log_w)를 직접 더하면 −1,000 근처에서 "
             "0이 되어 log 0 = −inf가 됩니다. 평균의 로그이지 로그의 평균이 아닙니다. "
             "· Take torch.logsumexp over the sample axis (dim=0) and subtract log k. Summing exp(log_w) directly "
             "underflows to 0 near −1,000 and gives log 0 = −inf. It is the log of a mean, not the mean of logs.")


def _reference_coupling(z, s_raw, t):
    n_a = z.shape[1] // 2
    s = torch.tanh(s_raw.double())
    return torch.cat([z[:, :n_a].double(), z[:, n_a:].double() * s.exp() + t.double()], 1).float(), s.sum(1).float()


def _coupling_cases() -> list[Case]:
    g = torch.Generator().manual_seed(1)

    def inputs(n, d, scale=1.0):
        return (torch.randn(n, d, generator=g), scale * torch.randn(n, d - d // 2, generator=g),
                torch.randn(n, d - d // 2, generator=g))

    values = [("N = 4, d = 6", inputs(4, 6)),
              ("d가 홀수: b가 a보다 하나 많음 · odd d: b has one more value than a", inputs(3, 5)),
              ("큰 s_raw: tanh가 포화 · large s_raw: tanh saturates", inputs(2, 8, scale=20.0)),
              ("d = 50, 배치 32 · d = 50, batch of 32", inputs(32, 50))]
    return reference_cases(_reference_coupling, values, atol=1e-5, rtol=1e-5)


def coupling(answer) -> Verdict:
    """Exercise gap/coupling: an affine coupling step and its log-determinant."""
    return check_function(
        "gap/coupling", answer, _coupling_cases(), compare=compare_tuple("z_new", "log_det"),
        hint="a = z[:, :d//2]는 그대로 두고 b = z[:, d//2:]만 b * exp(s) + t로 바꾸세요(s = tanh(s_raw)). 야코비 "
             "행렬이 삼각 행렬이므로 log |det|는 대각 원소 exp(s)의 로그의 합, 곧 s.sum(1)입니다. t는 행렬식에 "
             "들어가지 않습니다. "
             "· Leave a = z[:, :d//2] as it is and change only b = z[:, d//2:] into b * exp(s) + t, with "
             "s = tanh(s_raw). The Jacobian is triangular, so log |det| is the sum of the logs of its diagonal "
             "exp(s): s.sum(1). t does not enter the determinant.")


def _free_bits_cases() -> list[Case]:
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


def free_bits(answer) -> Verdict:
    """Exercise gap/free-bits: Σ_u max(λ, batch mean of KL_u)."""
    return check_function(
        "gap/free-bits", answer, _free_bits_cases(),
        hint="먼저 차원별 KL ½(μ² + σ² − 1 − log σ²)을 배치 축(dim=0)으로 평균해 모양 (d,)를 만들고, 그다음에 "
             "clamp(min=bits)로 바닥을 건 뒤 더하세요. 이미지마다 바닥을 걸고 평균하면 다른 값이 됩니다. "
             "· First average the per-dimension KL ½(μ² + σ² − 1 − log σ²) over the batch (dim=0), shape (d,); "
             "then apply the floor with clamp(min=bits) and sum. Flooring each image before averaging gives "
             "another value.")
