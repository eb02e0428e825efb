"""The checks of the reparameterization chapter: reference answers pass, typical mistakes fail clearly."""
import math

import pytest
import torch
from torch.distributions import Normal

from conftest import failing_line
from vae_course.checks import reparameterization as check


# reparameterization/reparameterize ---------------------------------------------------------------

def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * eps


def test_reparameterize_reference_passes():
    verdict = check.reparameterize(reparameterize)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 7  # five value cases, two gradient cases


def test_reparameterize_accepts_equivalent_forms():
    assert check.reparameterize(lambda mu, logvar, eps: eps * (logvar / 2).exp() + mu)
    assert check.reparameterize(lambda mu, logvar, eps: torch.addcmul(mu, torch.exp(0.5 * logvar), eps))


@pytest.mark.parametrize("answer, failing, message", [
    (lambda mu, logvar, eps: mu + eps * logvar, "batch of 16", "values differ"),
    (lambda mu, logvar, eps: mu + eps * torch.exp(logvar), "batch of 16", "values differ"),
    (lambda mu, logvar, eps: mu + eps * torch.sqrt(torch.exp(logvar)), "gradients at zero variance", "NaN"),
    (lambda mu, logvar, eps: mu + eps * torch.sqrt(torch.exp(logvar)), "very large log-variance", "NaN or infinity"),
    (lambda mu, logvar, eps: (mu + torch.exp(0.5 * logvar) * eps).detach(), "gradients reach", "no gradient path"),
    (lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar).detach() * eps, "gradients reach", "values differ"),
    (lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * torch.randn_like(mu), "batch size 1", "values differ"),
    (lambda mu, logvar, eps: (mu + torch.exp(0.5 * logvar) * eps).tolist(), "batch of 16", "expected a tensor, got list"),
])
def test_reparameterize_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.reparameterize(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
    assert "hint" in str(verdict) and "exp(0.5" not in str(verdict)


# reparameterization/score-function ---------------------------------------------------------------

def score_function_gradient(f, z, mu, sigma):
    fz = f(z)
    eps = (z - mu) / sigma
    return torch.stack([(fz * eps / sigma).mean(), (fz * (eps**2 - 1) / sigma).mean()])


def score_with_autograd(f, z, mu, sigma):
    mu, sigma = mu.clone().requires_grad_(True), sigma.clone().requires_grad_(True)
    surrogate = (f(z).detach() * Normal(mu, sigma).log_prob(z)).mean()
    return torch.stack(torch.autograd.grad(surrogate, (mu, sigma)))


@pytest.mark.parametrize("answer", [score_function_gradient, score_with_autograd])
def test_score_function_references_pass(answer):
    verdict = check.score_function_gradient(answer)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("answer, failing", [
    # summing instead of averaging: right only for a single sample
    (lambda f, z, mu, sigma: torch.stack([(f(z) * (z - mu) / sigma**2).sum(),
                                          (f(z) * ((z - mu) ** 2 - sigma**2) / sigma**3).sum()]), "1,000 samples"),
    # the score of μ with σ instead of σ²: right only when σ = 1
    (lambda f, z, mu, sigma: torch.stack([(f(z) * (z - mu) / sigma).mean(),
                                          (f(z) * ((z - mu) ** 2 - sigma**2) / sigma**3).mean()]), "1,000 samples"),
    # differentiating with respect to the variance σ² instead of σ
    (lambda f, z, mu, sigma: torch.stack([(f(z) * (z - mu) / sigma**2).mean(),
                                          (f(z) * ((z - mu) ** 2 - sigma**2) / (2 * sigma**4)).mean()]), "very small σ"),
    # the reparameterization estimator is not what is asked: it needs f', not f
    (lambda f, z, mu, sigma: torch.stack([f(z).mean(), f(z).mean()]), "single sample"),
])
def test_score_function_mistakes_fail(answer, failing):
    verdict = check.score_function_gradient(answer)
    assert not verdict.passed and "hint" in str(verdict)
    assert "values differ" in failing_line(verdict, failing)


def test_score_function_tuple_instead_of_tensor_is_explained():
    verdict = check.score_function_gradient(lambda f, z, mu, sigma: tuple(score_function_gradient(f, z, mu, sigma)))
    assert not verdict.passed and "expected a tensor, got tuple" in verdict.message


# reparameterization/exact-gradient ---------------------------------------------------------------

def exact_sin_gradient(mu, sigma):
    damping = torch.exp(-sigma**2 / 2)
    return torch.stack([torch.cos(mu) * damping, -sigma * torch.sin(mu) * damping])


def test_exact_gradient_reference_passes():
    verdict = check.exact_gradient(exact_sin_gradient)
    assert verdict.passed, verdict.message


def test_exact_gradient_accepts_python_floats_inside():
    def with_math(mu, sigma):
        mu, sigma = float(mu), float(sigma)
        d = math.exp(-sigma**2 / 2)
        return torch.tensor([math.cos(mu) * d, -sigma * math.sin(mu) * d])
    assert check.exact_gradient(with_math)  # float32 vs float64 is not the point


@pytest.mark.parametrize("answer, failing", [
    (lambda mu, sigma: torch.stack([torch.cos(mu), torch.zeros_like(sigma)]), "μ = 0.3"),  # forgot E over σε
    (lambda mu, sigma: torch.stack([torch.cos(mu) * torch.exp(-sigma**2 / 2),
                                    sigma * torch.sin(mu) * torch.exp(-sigma**2 / 2)]), "μ = 0.3"),  # sign
    (lambda mu, sigma: torch.stack([torch.cos(mu) * torch.exp(-sigma**2),
                                    -2 * sigma * torch.sin(mu) * torch.exp(-sigma**2)]), "μ = 0.3"),  # e^{-σ²}
    (lambda mu, sigma: torch.stack([torch.cos(mu) * torch.exp(-sigma**2 / 2),
                                    -torch.sin(mu) * torch.exp(-sigma**2 / 2)]), "σ = 0"),  # lost the factor σ
])
def test_exact_gradient_mistakes_fail(answer, failing):
    verdict = check.exact_gradient(answer)
    assert not verdict.passed and "hint" in str(verdict)
    failing_line(verdict, failing)
