"""The checks of the ELBO chapter: the reference solutions pass, typical wrong answers fail with a useful message."""
import math

import pytest
import torch
from torch.distributions import MultivariateNormal

from vae_course.checks import elbo as check


# Reference solutions, written as a student would (plain PyTorch) ------------------------------------

def log_evidence(x, W, b, sigma):
    C = W @ W.T + sigma**2 * torch.eye(W.shape[0], dtype=W.dtype)
    return MultivariateNormal(b, covariance_matrix=C).log_prob(x)


def log_evidence_by_hand(x, W, b, sigma):
    C = W @ W.T + sigma**2 * torch.eye(W.shape[0], dtype=W.dtype)
    r = x - b
    maha = (r @ torch.linalg.inv(C) * r).sum(1)
    return -0.5 * (maha + torch.logdet(C) + W.shape[0] * math.log(2 * math.pi))


def exact_posterior(x, W, b, sigma):
    cov = torch.linalg.inv(torch.eye(W.shape[1], dtype=W.dtype) + W.T @ W / sigma**2)
    return (x - b) @ W @ cov / sigma**2, cov


def elbo_gap(x, m, logvar, W, b, sigma):
    mean, cov = exact_posterior(x, W, b, sigma)
    precision = torch.linalg.inv(cov)
    var = logvar.exp()
    diff = mean - m
    return 0.5 * ((precision.diagonal() * var).sum(1) + (diff @ precision * diff).sum(1) - W.shape[1]
                  + torch.logdet(cov) - logvar.sum(1))


def elbo_gap_from_the_bound(x, m, logvar, W, b, sigma):
    """The other route: log p(x) minus the closed-form ELBO."""
    var = logvar.exp()
    r = x - b - m @ W.T
    expected = -0.5 * (r.pow(2).sum(1) + (W.pow(2) @ var.T).T.sum(1)) / sigma**2 \
        - 0.5 * W.shape[0] * math.log(2 * math.pi * sigma**2)
    kl = 0.5 * (var + m.pow(2) - 1 - logvar).sum(1)
    return log_evidence(x, W, b, sigma) - (expected - kl)


@pytest.mark.parametrize("answer", [log_evidence, log_evidence_by_hand])
def test_reference_log_evidence_passes(answer):
    verdict = check.log_evidence(answer)
    assert verdict.passed, verdict.message
    assert "x = b" in verdict.message and "D=1, d=3" in verdict.message


def test_reference_posterior_passes():
    verdict = check.exact_posterior(exact_posterior)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("answer", [elbo_gap, elbo_gap_from_the_bound])
def test_reference_gap_passes_both_routes(answer):
    verdict = check.elbo_gap(answer)
    assert verdict.passed, verdict.message
    assert "gap 0" in verdict.message


# Typical wrong answers --------------------------------------------------------------------------------

def test_log_evidence_with_sigma_instead_of_variance_fails():
    def wrong(x, W, b, sigma):
        C = W @ W.T + sigma * torch.eye(W.shape[0], dtype=W.dtype)
        return MultivariateNormal(b, C).log_prob(x)
    verdict = check.log_evidence(wrong)
    assert not verdict.passed and "values differ" in verdict.message and "σ²" in str(verdict)
    assert "✓ 관측 차원 1개" not in verdict.message or "✗" in verdict.message


def test_log_evidence_with_the_wrong_gram_matrix_fails_without_crashing():
    def wrong(x, W, b, sigma):  # WᵀW is (d, d): the shapes only agree when d = D
        C = W.T @ W + sigma**2 * torch.eye(W.shape[1], dtype=W.dtype)
        return MultivariateNormal(b, C).log_prob(x)
    verdict = check.log_evidence(wrong)
    assert not verdict.passed and "Error" in verdict.message


def test_log_evidence_summed_over_the_batch_fails_on_shape():
    verdict = check.log_evidence(lambda x, W, b, sigma: log_evidence(x, W, b, sigma).sum())
    assert not verdict.passed and "shape ()" in verdict.message
    assert "✓ 배치 크기 1" not in verdict.message  # a (1,) answer would match; a scalar does not


def test_posterior_without_the_prior_fails_where_it_matters():
    def wrong(x, W, b, sigma):  # forgets the identity from the prior
        cov = torch.linalg.pinv(W.T @ W / sigma**2)
        return (x - b) @ W @ cov / sigma**2, cov
    verdict = check.exact_posterior(wrong)
    assert not verdict.passed and "✗ W = 0" in verdict.message and "cov:" in verdict.message


def test_posterior_that_forgets_b_fails_on_the_mean_only():
    def wrong(x, W, b, sigma):
        mean, cov = exact_posterior(x, W, b, sigma)
        return x @ W @ cov / sigma**2, cov
    verdict = check.exact_posterior(wrong)
    assert not verdict.passed and "mean: 값이 다릅니다" in verdict.message and "values differ" in verdict.message
    assert "cov:" not in verdict.message


def test_posterior_covariance_per_example_is_a_shape_error():
    def wrong(x, W, b, sigma):
        mean, cov = exact_posterior(x, W, b, sigma)
        return mean, cov.expand(len(x), -1, -1)
    verdict = check.exact_posterior(wrong)
    assert not verdict.passed and "cov: 모양이 (8, 2, 2)" in verdict.message and "expected (2, 2)" in verdict.message


@pytest.mark.parametrize("got, message", [
    (lambda *args: torch.zeros(3), "expected a tuple (mean, cov), got Tensor"),
    (lambda *args: (torch.zeros(3),), "got tuple of length 1"),
    (lambda *args: ("mean", "cov"), "expected a tensor, got str"),
    (lambda *args: 1 / 0, "ZeroDivisionError"),
])
def test_posterior_check_survives_odd_answers(got, message):
    verdict = check.exact_posterior(got)
    assert not verdict.passed and message in verdict.message


def test_gap_with_the_kl_reversed_fails():
    def wrong(x, m, logvar, W, b, sigma):  # KL(p(z|x) ‖ q): the other direction
        mean, cov = exact_posterior(x, W, b, sigma)
        var = logvar.exp()
        diff = mean - m
        return 0.5 * ((cov.diagonal() / var).sum(1) + (diff.pow(2) / var).sum(1) - W.shape[1]
                      + logvar.sum(1) - torch.logdet(cov))
    verdict = check.elbo_gap(wrong)
    assert not verdict.passed and "✗ 무작위 q" in verdict.message
    assert "✓ d=1, q = 참 사후 분포" in verdict.message  # both directions vanish at the posterior


def test_gap_with_logvar_read_as_log_std_fails():
    def wrong(x, m, logvar, W, b, sigma):
        return elbo_gap(x, m, 2 * logvar, W, b, sigma)
    verdict = check.elbo_gap(wrong)
    assert not verdict.passed and "values differ" in verdict.message


def test_gap_with_the_sign_flipped_fails():
    verdict = check.elbo_gap(lambda *args: -elbo_gap(*args))
    assert not verdict.passed and "never negative" in str(verdict)


# Robustness ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["log_evidence", "exact_posterior", "elbo_gap"])
@pytest.mark.parametrize("answer, message", [
    (None, "pass the function itself, got NoneType"),
    ("MultivariateNormal", "pass the function itself, got str"),
])
def test_not_a_function(name, answer, message):
    verdict = getattr(check, name)(answer)
    assert not verdict.passed and message in verdict.message


def test_float32_answers_are_accepted():
    def in_float32(answer):
        return lambda *args: answer(*(a.float() if torch.is_tensor(a) else a for a in args))
    for name, answer in [("log_evidence", log_evidence), ("exact_posterior", exact_posterior),
                         ("elbo_gap", elbo_gap), ("elbo_gap", elbo_gap_from_the_bound)]:
        verdict = getattr(check, name)(in_float32(answer))
        assert verdict.passed, verdict.message
