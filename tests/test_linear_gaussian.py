"""The linear-Gaussian model: exact evidence, posterior and ELBO against torch.distributions and sampling."""
import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from vae_course.linear_gaussian import LinearGaussian

F64 = torch.float64


def model(d=2, D=5, sigma=0.5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return LinearGaussian(torch.randn(D, d, generator=g, dtype=F64), torch.randn(D, generator=g, dtype=F64), sigma)


@pytest.mark.parametrize("d, D, sigma", [(2, 5, 0.5), (1, 1, 1.0), (3, 1, 0.3), (1, 4, 2.0), (4, 4, 0.05)])
def test_log_evidence_matches_multivariate_normal(d, D, sigma):
    toy = model(d, D, sigma)
    _, x = toy.sample(7, torch.Generator().manual_seed(1))
    C = toy.W @ toy.W.T + sigma**2 * torch.eye(D, dtype=F64)
    assert torch.allclose(toy.log_evidence(x), MultivariateNormal(toy.b, C).log_prob(x), atol=1e-10)


@pytest.mark.parametrize("d, D", [(2, 5), (1, 1), (3, 1)])
def test_posterior_satisfies_bayes_rule(d, D):
    toy = model(d, D)
    _, x = toy.sample(3, torch.Generator().manual_seed(2))
    mean, cov = toy.posterior(x)
    assert mean.shape == (3, d) and cov.shape == (d, d)
    z = torch.randn(3, d, generator=torch.Generator().manual_seed(3), dtype=F64)
    log_prior = Normal(0.0, 1.0).log_prob(z).sum(1)
    bayes = toy.log_likelihood(x, z) + log_prior - toy.log_evidence(x)
    assert torch.allclose(MultivariateNormal(mean, cov).log_prob(z), bayes, atol=1e-10)


def test_log_likelihood_matches_normal():
    toy = model()
    z, x = toy.sample(4)
    expected = Normal(z @ toy.W.T + toy.b, toy.sigma).log_prob(x).sum(1)
    assert torch.allclose(toy.log_likelihood(x, z), expected, atol=1e-12)


def test_elbo_gap_is_the_kl_to_the_posterior_and_vanishes_at_it():
    toy = model()
    _, x = toy.sample(5, torch.Generator().manual_seed(4))
    g = torch.Generator().manual_seed(5)
    m = torch.randn(5, 2, generator=g, dtype=F64)
    A = torch.randn(5, 2, 2, generator=g, dtype=F64)
    S = A @ A.transpose(1, 2) + 0.1 * torch.eye(2, dtype=F64)
    mean, cov = toy.posterior(x)
    gap = toy.log_evidence(x) - toy.elbo(x, m, S)
    assert torch.allclose(gap, kl_divergence(MultivariateNormal(m, S), MultivariateNormal(mean, cov)), atol=1e-10)
    assert (gap > 0).all()
    assert torch.allclose(toy.elbo(x, mean, cov), toy.log_evidence(x), atol=1e-10)


def test_elbo_matches_a_monte_carlo_estimate():
    toy = model()
    _, x = toy.sample(1, torch.Generator().manual_seed(6))
    m, var = torch.tensor([[0.3, -0.2]], dtype=F64), torch.tensor([0.4, 0.9], dtype=F64)
    q = Normal(m[0], var.sqrt())
    z = q.sample((200_000,))
    log_w = toy.log_likelihood(x.expand(len(z), -1), z) + Normal(0.0, 1.0).log_prob(z).sum(1) - q.log_prob(z).sum(1)
    exact = toy.elbo(x, m, torch.diag(var)).item()
    assert abs(log_w.mean().item() - exact) < 5 * log_w.std().item() / math.sqrt(len(z))


def test_one_covariance_per_example_is_accepted():
    toy = model()
    _, x = toy.sample(3)
    m = torch.zeros(3, 2, dtype=F64)
    shared = toy.elbo(x, m, torch.eye(2, dtype=F64))
    assert torch.allclose(toy.elbo(x, m, torch.eye(2, dtype=F64).expand(3, 2, 2)), shared)


def test_sample_is_reproducible_with_a_generator():
    toy = model()
    a = toy.sample(4, torch.Generator().manual_seed(0))
    b = toy.sample(4, torch.Generator().manual_seed(0))
    assert all(torch.equal(u, v) for u, v in zip(a, b)) and a[0].shape == (4, 2) and a[1].shape == (4, 5)


def test_bad_arguments_say_what_is_wrong():
    W = torch.ones(5, 2, dtype=F64)
    with pytest.raises(ValueError, match="matrix"):
        LinearGaussian(torch.ones(5, dtype=F64))
    with pytest.raises(ValueError, match="b must have shape"):
        LinearGaussian(W, torch.zeros(4, dtype=F64))
    with pytest.raises(ValueError, match="positive"):
        LinearGaussian(W, sigma=0.0)
    with pytest.raises(TypeError, match="floating-point"):
        LinearGaussian(torch.ones(5, 2, dtype=torch.int64))
    toy = LinearGaussian(W, sigma=1.0)
    with pytest.raises(ValueError, match="5 values per example"):
        toy.log_evidence(torch.zeros(3, 4, dtype=F64))
    with pytest.raises(ValueError, match="positive definite"):
        toy.elbo(torch.zeros(1, 5, dtype=F64), torch.zeros(1, 2, dtype=F64), torch.zeros(2, 2, dtype=F64))
    with pytest.raises(ValueError, match="cov must be"):
        toy.elbo(torch.zeros(1, 5, dtype=F64), torch.zeros(1, 2, dtype=F64), torch.eye(3, dtype=F64))
    with pytest.raises(ValueError, match="positive int"):
        toy.sample(0)
