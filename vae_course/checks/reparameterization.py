"""Checks for the exercises of the chapter "The reparameterization trick"."""
from __future__ import annotations

import math

import torch

from ._core import Case, exercise, reference_cases


def _reference_reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


class NoGradientPath(Exception):
    """The answer's z is a constant to autograd: nothing reaches μ or log σ²."""


def _gradients_of(answer):
    """Run `answer` on leaf copies of μ and log σ² and return (∂Σz/∂μ, ∂Σz/∂log σ²) stacked.

    A gradient that never reaches an input counts as zeros, so a detached term shows up as
    "values differ" rather than as a crash; no gradient path at all raises autograd's own error.
    """
    def run(mu, logvar, eps):
        mu, logvar = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
        z = answer(mu, logvar, eps)
        if not isinstance(z, torch.Tensor):
            return z  # reported by the comparison as "expected a tensor"
        if not z.requires_grad:
            raise NoGradientPath("z에서 μ와 log σ²로 돌아가는 기울기 경로가 없습니다 · "
                                 "z has no gradient path back to μ and log σ²")
        z.sum().backward()
        return torch.stack([torch.zeros_like(p) if p.grad is None else p.grad for p in (mu, logvar)])
    return run


@exercise("reparameterization/reparameterize", then=(_gradients_of, None))
def reparameterize() -> tuple[list[Case], list[Case]]:
    """The sample z = μ + exp(½ log σ²) ⊙ ε, differentiable in μ and log σ²: values, then gradients."""
    g = torch.Generator().manual_seed(0)

    def batch(n, d, logvar=None):
        mu, eps = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
        return mu, torch.randn(n, d, generator=g) if logvar is None else torch.full((n, d), logvar), eps

    values = [("배치 16, 잠재 차원 20 · batch of 16, 20 latent dimensions", batch(16, 20)),
              ("배치 크기 1 · batch size 1", batch(1, 20)),
              ("분산 0 (log σ² = -300): z = μ · zero variance (log σ² = -300): z = μ", batch(4, 3, -300.0)),
              ("큰 로그 분산 (log σ² = 30) · large log-variance (log σ² = 30)", batch(4, 3, 30.0)),
              ("아주 큰 로그 분산 (log σ² = 100, σ²는 float32 범위 밖) · "
               "very large log-variance (log σ² = 100, σ² overflows float32)", batch(4, 3, 100.0))]
    value_cases = reference_cases(_reference_reparameterize, values)

    def expected_gradients(mu, logvar, eps):
        return torch.stack([torch.ones_like(mu), 0.5 * torch.exp(0.5 * logvar) * eps])

    grads = [("기울기가 μ와 log σ²에 닿음 · gradients reach μ and log σ²", batch(8, 5)),
             ("분산이 0일 때의 기울기 (log σ² = -300) · gradients at zero variance (log σ² = -300)", batch(4, 3, -300.0))]
    grad_cases = reference_cases(expected_gradients, grads)
    return value_cases, grad_cases


def _reference_score(f, z, mu, sigma):
    fz = f(z)
    return torch.stack([(fz * (z - mu) / sigma**2).mean(), (fz * ((z - mu) ** 2 - sigma**2) / sigma**3).mean()])


@exercise("reparameterization/score-function")
def score_function_gradient() -> list[Case]:
    """The REINFORCE estimate of ∇(μ, σ) E[f(z)] from given samples."""
    g = torch.Generator().manual_seed(2)

    def draw(mu, sigma, k):
        mu, sigma = torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)
        return mu + sigma * torch.randn(k, generator=g, dtype=torch.float64), mu, sigma

    def square(z):
        return (z - 2.0) ** 2

    def constant(z):
        return torch.full_like(z, 3.0)

    cases = [("f(z) = (z - 2)², 표본 1,000개 · f(z) = (z - 2)², 1,000 samples", square, draw(0.5, 0.8, 1000)),
             ("표본 하나 · a single sample", square, draw(0.5, 0.8, 1)),
             ("f(z) = sin z, σ = 1 · f(z) = sin z, σ = 1", torch.sin, draw(-1.0, 1.0, 200)),
             ("상수 f · constant f", constant, draw(0.0, 2.0, 50)),
             ("아주 작은 σ (10⁻³) · very small σ (10⁻³)", torch.sin, draw(0.3, 1e-3, 100))]
    result = []
    for about, f, (z, mu, sigma) in cases:
        result.append(Case(about, (f, z, mu, sigma), _reference_score(f, z, mu, sigma), atol=1e-8, rtol=1e-6))
    return result


def _reference_sin_gradient(mu, sigma):
    damping = torch.exp(-0.5 * sigma**2)
    return torch.stack([torch.cos(mu) * damping, -sigma * torch.sin(mu) * damping])


@exercise("reparameterization/exact-gradient")
def exact_gradient() -> list[Case]:
    """The gradient ∇(μ, σ) E[sin z] for z ~ N(μ, σ²), in closed form."""
    inputs = [("μ = 0.3, σ = 0.7", (0.3, 0.7)),
              ("음수 μ, 큰 σ (μ = -2, σ = 2) · negative μ, larger σ (μ = -2, σ = 2)", (-2.0, 2.0)),
              ("σ = 0: sin의 미분 · σ = 0: the derivative of sin itself", (1.1, 0.0)),
              ("μ = π/2 · μ = π/2", (math.pi / 2, 0.5)),
              ("아주 큰 σ (σ = 6) · very large σ (σ = 6)", (0.7, 6.0))]
    cases = []
    for about, (mu, sigma) in inputs:
        args = (torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64))
        cases.append(Case(about, args, _reference_sin_gradient(*args), atol=1e-10, rtol=1e-6))
    return cases
