"""Checks for the exercises of the chapter "Training a VAE on MNIST"."""
from __future__ import annotations

import torch

from ..losses import kl_divergence
from ._core import Case, PRIOR_INPUTS, exercise, loss_case, loss_inputs, reference_cases


def loss_cases(seed: int = 0, n_binary: int = 64, n_gray: int = 8) -> list[Case]:
    """The cases of the β = 1 loss exercises: binary and gray pixels, a batch of one, large log-variances, the prior."""
    g = torch.Generator().manual_seed(seed)
    return [loss_case(f"배치 {n_binary}, 이진 픽셀 · batch of {n_binary}, binary pixels", loss_inputs(g, n_binary)),
            loss_case("배치 크기 1 · batch size 1", loss_inputs(g, 1)),
            loss_case("회색조 픽셀 · gray pixels", loss_inputs(g, n_gray, binary=False)),
            loss_case("큰 로그 분산 (±30) · large log-variance (±30)", loss_inputs(g, 8, logvar_scale=30.0)),
            loss_case("로짓 0, q = p(z): 784 ln 2 · logits 0 and q = p(z): 784 ln 2", PRIOR_INPUTS)]


@exercise("training/vae-loss")
def vae_loss() -> list[Case]:
    """The batch mean of BCE summed over pixels plus KL."""
    return loss_cases()


@exercise("training/kl-sign")
def kl_term() -> list[Case]:
    """The per-example KL, non-negative, zero only at the prior."""
    g = torch.Generator().manual_seed(1)
    cases = [
        ("무작위 μ, log σ² · random μ, log σ²", (torch.randn(16, 20, generator=g), torch.randn(16, 20, generator=g))),
        ("q = p(z)이면 0 · zero when q = p(z)", (torch.zeros(3, 20), torch.zeros(3, 20))),
        ("분산이 0에 가까울 때 · near-zero variance", (torch.zeros(2, 5), torch.full((2, 5), -20.0))),
        ("배치 크기 1 · batch size 1", (torch.ones(1, 2), torch.zeros(1, 2))),
    ]
    return reference_cases(kl_divergence, cases)
