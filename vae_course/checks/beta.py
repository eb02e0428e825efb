"""Checks for the exercises of the chapter "β-VAE, KL annealing and posterior collapse"."""
from __future__ import annotations

import torch

from ._core import Case, PRIOR_INPUTS, exercise, loss_case, loss_inputs, reference_cases


# KL warm-up ------------------------------------------------------------------------------------------

def _reference_warmup(step, warmup_steps, beta_max=1.0):
    return beta_max * min(step / warmup_steps, 1.0)


@exercise("beta/warmup")
def kl_warmup() -> list[Case]:
    """β(step) rising linearly from 0 to beta_max over warmup_steps, then constant."""
    cases = [
        ("0단계에서는 β = 0 · step 0 gives β = 0", (0, 100)),
        ("워밍업의 중간 · halfway through the warm-up", (50, 100)),
        ("나누어떨어지지 않는 단계 (1/3) · a step that does not divide evenly (1/3)", (1, 3)),
        ("워밍업이 끝나는 바로 그 단계 · exactly at the end of the warm-up", (100, 100)),
        ("워밍업이 끝난 뒤 · beyond the end of the warm-up", (250, 100)),
        ("한 단계짜리 워밍업 · a warm-up of a single step", (1, 1)),
        ("목표 β = 4, 중간 · target β = 4, three quarters of the way", (750, 1000, 4.0)),
        ("목표 β = 4, 한참 뒤 · target β = 4, long after the end", (10**6, 1000, 4.0)),
    ]
    return [Case(about, args, float(_reference_warmup(*args)), atol=1e-9, rtol=1e-9) for about, args in cases]


# The β-weighted loss ---------------------------------------------------------------------------------

@exercise("beta/beta-loss")
def beta_loss() -> list[Case]:
    """The batch mean of reconstruction + β · KL (β on the KL only)."""
    g = torch.Generator().manual_seed(2)
    return [loss_case("β = 1: 음의 ELBO · β = 1: the negative ELBO", (*loss_inputs(g, 64), 1.0)),
            loss_case("β = 0: KL을 빼고 재구성만 · β = 0: reconstruction only, no KL", (*loss_inputs(g, 16, mu_scale=5.0), 0.0)),
            loss_case("β = 4 · β = 4", (*loss_inputs(g, 16), 4.0)),
            loss_case("β = 0.1, 큰 KL · β = 0.1 with a large KL", (*loss_inputs(g, 16, mu_scale=4.0), 0.1)),
            loss_case("배치 크기 1, β = 0.5 · batch size 1, β = 0.5", (*loss_inputs(g, 1), 0.5)),
            loss_case("큰 로그 분산 (±20), β = 2 · large log-variance (±20), β = 2", (*loss_inputs(g, 8, logvar_scale=20.0), 2.0)),
            loss_case("로짓 0, q = p(z), β = 8: 784 ln 2 · logits 0, q = p(z), β = 8: 784 ln 2", (*PRIOR_INPUTS, 8.0))]


# Active units ----------------------------------------------------------------------------------------

def _reference_active(mu, threshold=0.01):
    return int((mu.var(0) > threshold).sum())


@exercise("beta/active-units")
def active_units() -> list[Case]:
    """The number of latent dimensions whose mean μ_j(x) varies over x."""
    g = torch.Generator().manual_seed(3)
    n = 500
    scales = torch.tensor([1.0, 0.5, 0.3, 0.2, 0.05, 0.02, 0.0, 0.0])  # variances 1 … 0.0004, 0: four above 0.01
    mixed = torch.randn(n, 8, generator=g) * scales
    cases = [
        ("섞인 척도: 분산 1부터 0까지 · mixed scales: variances from 1 down to 0", (mixed,)),
        ("모든 차원이 붕괴 (μ = 0) · every dimension collapsed (μ = 0)", (torch.zeros(n, 20),)),
        ("모든 x에 같은 μ = 3: 분산 0 · the same μ = 3 for every x: variance 0",
         (torch.full((n, 5), 3.0) + 1e-4 * torch.randn(n, 5, generator=g),)),
        ("모든 차원이 활성 · every dimension active", (torch.randn(n, 20, generator=g) * 2 + 1,)),
        ("문턱값 0.1 · threshold 0.1", (mixed, 0.1)),
        ("데이터 점 두 개 · two data points", (torch.tensor([[0.0, 1.0, 0.0], [0.0, -1.0, 0.05]]),)),
    ]
    return reference_cases(_reference_active, cases)

