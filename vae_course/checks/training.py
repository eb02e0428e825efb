"""Checks for the exercises of the chapter "Training a VAE on MNIST"."""
from __future__ import annotations

import torch

from ..losses import _bernoulli_nll, _kl
from ._core import Case, Verdict, check_function


def reference_loss(logits, x, mu, logvar, beta=1.0):
    """The batch mean of reconstruction + β · KL, without the package's input checks (cases go to ±30 in log σ²)."""
    return (_bernoulli_nll(logits, x) + beta * _kl(mu, logvar)).mean()


def loss_cases(seed: int = 0, n_binary: int = 64, n_grey: int = 8) -> list[Case]:
    """The cases of the β = 1 loss exercises: binary and gray pixels, a batch of one, large log-variances, the prior."""
    g = torch.Generator().manual_seed(seed)

    def batch(n, binary=True, logvar_scale=1.0):
        x = torch.rand(n, 784, generator=g)
        x = torch.bernoulli(x, generator=g) if binary else x
        logits, mu = torch.randn(n, 784, generator=g) * 3, torch.randn(n, 20, generator=g)
        logvar = torch.randn(n, 20, generator=g) * logvar_scale
        return logits, x, mu, logvar

    cases = [(f"배치 {n_binary}, 이진 픽셀 · batch of {n_binary}, binary pixels", batch(n_binary)),
             ("배치 크기 1 · batch size 1", batch(1)),
             ("회색조 픽셀 · gray pixels", batch(n_grey, binary=False)),
             ("큰 로그 분산 (±30) · large log-variance (±30)", batch(8, logvar_scale=30.0))]
    zero = (torch.zeros(4, 784), torch.ones(4, 784), torch.zeros(4, 20), torch.zeros(4, 20))
    cases.append(("로짓 0, q = p(z): 784 ln 2 · logits 0 and q = p(z): 784 ln 2", zero))
    return [Case(about, args, reference_loss(*args), atol=1e-3) for about, args in cases]


def vae_loss(answer) -> Verdict:
    """Exercise training/vae-loss: the batch mean of BCE summed over pixels plus KL."""
    return check_function(
        "training/vae-loss", answer, loss_cases(),
        hint="픽셀에 대해서는 합하고(reduction='none' 다음 .sum(1)), 배치에 대해서만 평균하세요. "
             "· Sum over pixels (reduction='none', then .sum(1)) and average over the batch only.")


def kl_term(answer) -> Verdict:
    """Exercise training/kl-sign: the per-example KL, non-negative, zero only at the prior."""
    g = torch.Generator().manual_seed(1)
    cases = [
        ("무작위 μ, log σ² · random μ, log σ²", (torch.randn(16, 20, generator=g), torch.randn(16, 20, generator=g))),
        ("q = p(z)이면 0 · zero when q = p(z)", (torch.zeros(3, 20), torch.zeros(3, 20))),
        ("분산이 0에 가까울 때 · near-zero variance", (torch.zeros(2, 5), torch.full((2, 5), -20.0))),
        ("배치 크기 1 · batch size 1", (torch.ones(1, 2), torch.zeros(1, 2))),
    ]
    return check_function(
        "training/kl-sign", answer, [Case(about, args, _kl(*args)) for about, args in cases],
        hint="KL은 음수가 될 수 없습니다. q와 p(z)가 같을 때 0이 되는지 확인해 보세요. "
             "· A KL divergence is never negative; check that yours is 0 when q equals p(z).")
