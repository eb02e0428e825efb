"""Checks for the exercises of the chapter "The probability toolkit" (확률 도구 상자)."""
from __future__ import annotations

import math

import torch

from ._core import Case, exercise, reference_cases


def _reference_kl_gaussians(mu_q, logvar_q, mu_p, logvar_p):
    mu_q, logvar_q, mu_p, logvar_p = (t.double() for t in (mu_q, logvar_q, mu_p, logvar_p))
    terms = logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p).pow(2)) / logvar_p.exp() - 1
    return (0.5 * terms).sum(1).float()


def _reference_bernoulli(logits, x):
    logits, x = logits.double(), x.double()
    return (x * logits - torch.nn.functional.softplus(logits)).sum(1).float()


def _reference_gaussian(x, mean, logvar):
    x, mean, logvar = x.double(), mean.double(), logvar.double()
    return (-0.5 * (math.log(2 * math.pi) + logvar + (x - mean).pow(2) / logvar.exp())).sum(1).float()


@exercise("probability/kl-gaussians")
def kl_gaussians() -> list[Case]:
    """KL between two diagonal Gaussians, per example."""
    g = torch.Generator().manual_seed(10)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def uniform(*shape, limit):
        return (2 * torch.rand(*shape, generator=g) - 1) * limit

    mu_q, logvar_q = randn(3, 6), randn(3, 6)
    cases = [
        ("무작위 q와 p (배치 16, 8차원) · random q and p (batch 16, 8 dimensions)",
         (randn(16, 8), randn(16, 8), randn(16, 8), randn(16, 8))),
        ("q = p이면 0 · zero when q = p", (mu_q, logvar_q, mu_q.clone(), logvar_q.clone())),
        ("p = N(0, I): 본문의 닫힌 형태 · p = N(0, I): the closed form of the text",
         (randn(4, 20), randn(4, 20), torch.zeros(4, 20), torch.zeros(4, 20))),
        ("분산이 0에 가까운 q (log σ² = -20) · near-zero variance of q (log σ² = -20)",
         (randn(2, 5), torch.full((2, 5), -20.0), randn(2, 5), randn(2, 5))),
        ("큰 로그 분산 (±30) · large log-variances (±30)",
         (randn(3, 4), uniform(3, 4, limit=30.0), randn(3, 4), uniform(3, 4, limit=30.0))),
        ("배치 크기 1, 1차원 · batch size 1, one dimension",
         (torch.tensor([[1.5]]), torch.tensor([[-0.5]]), torch.tensor([[-1.0]]), torch.tensor([[0.7]]))),
    ]
    return reference_cases(_reference_kl_gaussians, cases)


@exercise("probability/bernoulli-log-likelihood")
def bernoulli_log_likelihood() -> list[Case]:
    """The log-likelihood log p(x | logits), stable for any logit."""
    g = torch.Generator().manual_seed(11)
    binary = torch.bernoulli(torch.full((32, 784), 0.3), generator=g)
    cases = [
        ("배치 32, 이진 픽셀 · batch of 32, binary pixels", (torch.randn(32, 784, generator=g) * 3, binary)),
        ("로짓 0: -784 ln 2 · logits 0: -784 ln 2", (torch.zeros(4, 784), binary[:4])),
        ("큰 로짓 (±200), 맞는 픽셀과 틀린 픽셀 · large logits (±200), right and wrong pixels",
         (torch.tensor([[200.0, -200.0, 200.0, -200.0], [50.0, -50.0, -30.0, 30.0]]),
          torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]]))),
        ("회색조 픽셀 · gray pixels", (torch.randn(8, 784, generator=g), torch.rand(8, 784, generator=g))),
        ("배치 크기 1 · batch size 1", (torch.randn(1, 10, generator=g), torch.ones(1, 10))),
    ]
    return reference_cases(_reference_bernoulli, cases, atol=1e-3)


@exercise("probability/gaussian-log-likelihood")
def gaussian_log_likelihood() -> list[Case]:
    """The log-density log N(x; mean, diag exp(logvar)), constants included."""
    g = torch.Generator().manual_seed(12)

    def rand(*shape):
        return torch.rand(*shape, generator=g)

    x = rand(16, 784)
    near = rand(2, 50)
    cases = [
        ("픽셀마다 다른 로그 분산 (배치 16) · a log-variance per pixel and example (batch 16)",
         (x, rand(16, 784), torch.randn(16, 784, generator=g))),
        ("x = 평균, log σ² = 0: -(784/2) ln 2π · x = mean, log σ² = 0: -(784/2) ln 2π",
         (x[:3], x[:3].clone(), torch.zeros(3, 784))),
        ("배치의 모든 이미지가 같이 쓰는 로그 분산, 모양 (D,) · one log-variance per pixel shared by the batch, shape (D,)",
         (x[:4], rand(4, 784), torch.randn(784, generator=g))),
        ("스칼라 로그 분산 텐서 (σ = 0.1) · a scalar log-variance tensor (σ = 0.1)",
         (x[:4], rand(4, 784), torch.tensor(math.log(0.01)))),
        ("분산이 0에 가까울 때 (log σ² = -20) · near-zero variance (log σ² = -20)",
         (near, near + 1e-5, torch.full((2, 50), -20.0))),
        ("큰 로그 분산 (log σ² = 30) · large log-variance (log σ² = 30)", (x[:2], rand(2, 784), torch.full((2, 784), 30.0))),
        ("배치 크기 1 · batch size 1", (x[:1], rand(1, 784), torch.zeros(1, 784))),
    ]
    return reference_cases(_reference_gaussian, cases, atol=1e-2)
