"""Checks for the exercises of the chapter "Variational inference and the ELBO".

All three work on the linear-Gaussian model z ~ N(0, I_d), x | z ~ N(W z + b, σ² I_D),
where the answers are known exactly; the reference is `vae_course.linear_gaussian`.
"""
from __future__ import annotations


import torch

from ..linear_gaussian import LinearGaussian
from ._core import Case, compare_tuple, exercise

F64 = torch.float64


def _problem(n: int, d: int, D: int, sigma: float, seed: int, x_at_b: bool = False, w_scale: float = 1.0):
    """A model (W, b, σ) and a batch x of n points drawn from it, all float64."""
    g = torch.Generator().manual_seed(seed)
    W = w_scale * torch.randn(D, d, generator=g, dtype=F64)
    b = torch.randn(D, generator=g, dtype=F64)
    _, x = LinearGaussian(W, b, sigma).sample(n, g)
    return (b.expand(n, D).clone() if x_at_b else x), W, b, sigma


def _problems() -> list[tuple[str, tuple]]:
    return [
        ("d=2, D=5, 배치 8 · d=2, D=5, batch of 8", _problem(8, 2, 5, 0.5, 0)),
        ("배치 크기 1 · batch size 1", _problem(1, 2, 5, 0.5, 1)),
        ("잠재 차원 1개 (d=1) · one latent dimension (d=1)", _problem(6, 1, 4, 0.8, 2)),
        ("관측 차원 1개, 잠재 차원 3개 (D=1, d=3) · one observed and three latent dimensions (D=1, d=3)",
         _problem(5, 3, 1, 1.0, 3)),
        ("x = b", _problem(3, 2, 5, 0.5, 4, x_at_b=True)),
        ("작은 잡음 σ = 0.05 · small noise σ = 0.05", _problem(4, 2, 6, 0.05, 5)),
        ("큰 잡음 σ = 10 · large noise σ = 10", _problem(4, 3, 5, 10.0, 6)),
        ("W = 0: x가 z와 무관 · W = 0: x does not depend on z", _problem(4, 2, 3, 0.7, 7, w_scale=0.0)),
    ]


# Exercise 1 -----------------------------------------------------------------------------------------

@exercise("elbo/log-evidence")
def log_evidence() -> list[Case]:
    """The log-evidence log p(x) of the linear-Gaussian model, one value per example."""
    return [Case(about, args, LinearGaussian(*args[1:]).log_evidence(args[0])) for about, args in _problems()]


# Exercise 2 -----------------------------------------------------------------------------------------

@exercise("elbo/posterior", compare=compare_tuple("mean", "cov"))
def exact_posterior() -> list[Case]:
    """The exact posterior mean (N, d) and covariance (d, d)."""
    return [Case(about, args, LinearGaussian(*args[1:]).posterior(args[0])) for about, args in _problems()]


# Exercise 3 -----------------------------------------------------------------------------------------

@exercise("elbo/gap")
def elbo_gap() -> list[Case]:
    """The gap log p(x) − ELBO(q) = KL(q ‖ p(z|x)) for a diagonal Gaussian q, per example."""
    cases = []

    def add(about, problem, m, logvar):
        x, W, b, sigma = problem
        toy = LinearGaussian(W, b, sigma)
        expected = toy.log_evidence(x) - toy.elbo(x, m, torch.diag_embed(logvar.exp()))
        cases.append(Case(about, (x, m, logvar, W, b, sigma), expected, atol=1e-4, rtol=1e-4))

    g = torch.Generator().manual_seed(10)
    x, W, b, sigma = problem = _problem(8, 2, 5, 0.5, 0)
    add("무작위 q · random q", problem, torch.randn(8, 2, generator=g, dtype=F64), torch.randn(8, 2, generator=g, dtype=F64))
    x1, W1, b1, s1 = problem1 = _problem(1, 2, 5, 0.5, 1)
    add("배치 크기 1 · batch size 1", problem1, torch.randn(1, 2, generator=g, dtype=F64), torch.zeros(1, 2, dtype=F64))
    problem = _problem(5, 1, 4, 0.8, 2)
    mean, cov = LinearGaussian(*problem[1:]).posterior(problem[0])
    add("d=1, q = 참 사후 분포: 간극 0 · d=1, q = the true posterior: gap 0", problem, mean, cov.diagonal().log().expand(5, 1))
    Q, _ = torch.linalg.qr(torch.randn(5, 2, generator=g, dtype=F64))
    orthogonal = LinearGaussian(Q * torch.tensor([2.0, 0.5], dtype=F64), torch.zeros(5, dtype=F64), 0.3)
    _, xo = orthogonal.sample(3, g)
    mean, cov = orthogonal.posterior(xo)
    add("직교하는 W 열, q = 참 사후 분포: 간극 0 · orthogonal columns of W, q = the true posterior: gap 0",
        (xo, orthogonal.W, orthogonal.b, orthogonal.sigma), mean, cov.diagonal().log().expand(3, 2))
    add("q = 사전 분포 N(0, I) · q = the prior N(0, I)", (x, W, b, sigma), torch.zeros(8, 2, dtype=F64), torch.zeros(8, 2, dtype=F64))
    add("아주 좁은 q (log σ² = -20) · a very narrow q (log σ² = -20)", (x, W, b, sigma),
        torch.randn(8, 2, generator=g, dtype=F64), torch.full((8, 2), -20.0, dtype=F64))
    add("아주 넓은 q (log σ² = 8) · a very wide q (log σ² = 8)", (x1, W1, b1, s1),
        torch.zeros(1, 2, dtype=F64), torch.full((1, 2), 8.0, dtype=F64))
    return cases
