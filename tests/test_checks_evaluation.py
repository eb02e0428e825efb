"""The checks of the evaluation chapter: reference answers pass, typical mistakes fail with a useful message."""
import math

import pytest
import torch
import torch.nn.functional as F

from vae_course import kl_divergence
from conftest import failing_line
from vae_course.checks import evaluation as check


# evaluation/iwae-logsumexp ----------------------------------------------------------------------------

def iwae_estimate(log_w):
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


def test_iwae_reference_passes():
    verdict = check.iwae_estimate(iwae_estimate)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 7


def test_iwae_accepts_the_max_shift_written_by_hand():
    def by_hand(log_w):
        top = log_w.max(0).values
        return top + torch.log(torch.exp(log_w - top).mean(0))
    assert check.iwae_estimate(by_hand)


@pytest.mark.parametrize("answer, failing, message", [
    # naive exp: underflows to log 0 = -inf far below zero, overflows to inf far above
    (lambda log_w: torch.log(torch.exp(log_w).mean(0)), "huge negative", "NaN or infinity"),
    (lambda log_w: torch.log(torch.exp(log_w).mean(0)), "large positive", "NaN or infinity"),
    # a sum rather than a mean: off by log k
    (lambda log_w: torch.logsumexp(log_w, 0), "all weights equal", "values differ"),
    # the mean of the log-weights is the ELBO, not the IWAE estimate
    (lambda log_w: log_w.mean(0), "k = 100", "values differ"),
    # over the images instead of the samples
    (lambda log_w: torch.logsumexp(log_w, 1) - math.log(log_w.shape[1]), "k = 100", "shape (100,), expected (8,)"),
    (lambda log_w: (torch.logsumexp(log_w, 0) - math.log(len(log_w))).tolist(), "k = 1:", "expected a tensor, got list"),
])
def test_iwae_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.iwae_estimate(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
    assert "hint" in str(verdict) and "- math.log" not in str(verdict)


def test_iwae_naive_exp_passes_where_nothing_underflows():
    """The naive answer is only wrong at the extremes: the check must show where."""
    verdict = check.iwae_estimate(lambda log_w: torch.log(torch.exp(log_w.double()).mean(0)))
    assert not verdict.passed
    assert next(line for line in verdict.lines if "all weights equal" in line).lstrip().startswith("✓")


# evaluation/sampled-elbo ------------------------------------------------------------------------------

def elbo_estimate(model, x, eps):
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * eps
    log_px_z = -F.binary_cross_entropy_with_logits(model.decode(z), x, reduction="none").sum(dim=1)
    return log_px_z - kl_divergence(mu, logvar)


def test_elbo_reference_passes():
    verdict = check.elbo_estimate(elbo_estimate)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 6


def test_elbo_accepts_the_package_pieces():
    from vae_course import bernoulli_reconstruction

    def with_package(model, x, eps):
        mu, logvar = model.encode(x)
        return -(bernoulli_reconstruction(model.decode(mu + (0.5 * logvar).exp() * eps), x) + kl_divergence(mu, logvar))
    assert check.elbo_estimate(with_package)


def deterministic_z(model, x, eps):
    """The bug of the chapter: z = μ, ε ignored."""
    mu, logvar = model.encode(x)
    log_px_z = -F.binary_cross_entropy_with_logits(model.decode(mu), x, reduction="none").sum(dim=1)
    return log_px_z - kl_divergence(mu, logvar)


def test_elbo_with_deterministic_z_fails_except_where_eps_is_zero():
    verdict = check.elbo_estimate(deterministic_z)
    assert not verdict.passed
    assert "values differ" in failing_line(verdict, "random ε")
    assert "values differ" in failing_line(verdict, "the same image six times")
    assert next(line for line in verdict.lines if "ε = 0" in line).lstrip().startswith("✓")


@pytest.mark.parametrize("answer, failing, message", [
    # draws its own ε: a valid estimate, but not the one asked for
    (lambda model, x, eps: elbo_estimate(model, x, torch.randn_like(eps)), "batch size 1", "values differ"),
    # the loss rather than the ELBO
    (lambda model, x, eps: -elbo_estimate(model, x, eps), "batch of 16", "values differ"),
    # forgets the KL
    (lambda model, x, eps: elbo_estimate(model, x, eps) + kl_divergence(*model.encode(x)), "batch of 16", "values differ"),
    # averaged over the batch
    (lambda model, x, eps: elbo_estimate(model, x, eps).mean(), "batch of 16", "shape ()"),
    # σ taken as exp(log σ²)
    (lambda model, x, eps: elbo_estimate(model, x, eps * torch.exp(0.5 * model.encode(x)[1])), "large variance",
     "values differ"),
])
def test_elbo_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.elbo_estimate(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
    assert "hint" in str(verdict)


def test_elbo_check_leaves_the_global_random_state_alone():
    state = torch.get_rng_state()
    check.elbo_estimate(elbo_estimate)
    assert torch.equal(state, torch.get_rng_state())


# evaluation/binary-likelihood -------------------------------------------------------------------------

def binary_log_likelihood(logits, x):
    if not ((x == 0) | (x == 1)).all():
        raise ValueError("x must be binary: a Bernoulli likelihood is only defined on 0 and 1")
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def test_likelihood_reference_passes():
    verdict = check.binary_log_likelihood(binary_log_likelihood)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 8  # five value cases, three refusals


def buggy(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def test_likelihood_without_the_guard_fails_on_the_refusals_only():
    verdict = check.binary_log_likelihood(buggy)
    assert not verdict.passed
    assert "returned a value for non-binary x" in failing_line(verdict, "gray pixels are refused")
    assert "returned a value" in failing_line(verdict, "a single pixel is 0.5")
    assert verdict.message.count("✓") == 5


@pytest.mark.parametrize("answer, failing, message", [
    # probabilities first: BCE clamps log 0 at -100, so ±200 logits come out wrong
    (lambda logits, x: -F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").sum(1),
     "very large logits", "values differ"),
    # log of a sigmoid by hand: log 0 = -inf
    (lambda logits, x: (x * torch.log(torch.sigmoid(logits)) + (1 - x) * torch.log(1 - torch.sigmoid(logits))).sum(1),
     "very large logits", "NaN or infinity"),
    # the mean over pixels, as reduction="mean" gives per image
    (lambda logits, x: binary_log_likelihood(logits, x) / 784, "8 binary images", "values differ"),
])
def test_likelihood_value_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.binary_log_likelihood(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


def test_likelihood_guard_with_assert_is_reported_not_raised():
    def with_assert(logits, x):
        assert ((x == 0) | (x == 1)).all(), "not binary"
        return buggy(logits, x)
    verdict = check.binary_log_likelihood(with_assert)
    assert not verdict.passed
    assert "AssertionError: not binary" in failing_line(verdict, "gray pixels")
    assert "should raise a ValueError" in failing_line(verdict, "gray pixels")


def test_likelihood_guard_that_is_too_strict_fails_on_values():
    def refuses_everything(logits, x):
        raise ValueError("no")
    verdict = check.binary_log_likelihood(refuses_everything)
    assert not verdict.passed and "ValueError: no" in failing_line(verdict, "8 binary images")


# All three: wrong types, starters, the notebook record ---------------------------------------------------

CHECKS = [check.iwae_estimate, check.elbo_estimate, check.binary_log_likelihood]
