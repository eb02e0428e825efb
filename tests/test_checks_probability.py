"""The checks of the chapter "The probability toolkit": right answers pass, typical wrong ones fail clearly."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Normal, kl_divergence as td_kl

from vae_course.checks import RECORD
from conftest import failed_lines
from vae_course.checks import probability as check

# Reference solutions, written differently from the checks' own references --------------------------


def kl_gaussians(mu_q, logvar_q, mu_p, logvar_p):
    q, p = Normal(mu_q, torch.exp(0.5 * logvar_q)), Normal(mu_p, torch.exp(0.5 * logvar_p))
    return td_kl(q, p).sum(dim=1)


def kl_gaussians_by_hand(mu_q, logvar_q, mu_p, logvar_p):
    ratio = torch.exp(logvar_q - logvar_p)
    return 0.5 * (ratio + (mu_q - mu_p).pow(2) * torch.exp(-logvar_p) - 1 - (logvar_q - logvar_p)).sum(dim=1)


def bernoulli_log_likelihood(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def bernoulli_by_hand(logits, x):
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(dim=1)


def gaussian_log_likelihood(x, mean, logvar):
    return Normal(mean, torch.exp(0.5 * logvar)).log_prob(x).sum(dim=1)


def gaussian_by_hand(x, mean, logvar):
    return (-0.5 * (math.log(2 * math.pi) + logvar + (x - mean) ** 2 * torch.exp(-logvar))).sum(dim=1)


@pytest.mark.parametrize("verdict, exercise", [
    (lambda: check.kl_gaussians(kl_gaussians), "probability/kl-gaussians"),
    (lambda: check.kl_gaussians(kl_gaussians_by_hand), "probability/kl-gaussians"),
    (lambda: check.bernoulli_log_likelihood(bernoulli_log_likelihood), "probability/bernoulli-log-likelihood"),
    (lambda: check.bernoulli_log_likelihood(bernoulli_by_hand), "probability/bernoulli-log-likelihood"),
    (lambda: check.gaussian_log_likelihood(gaussian_log_likelihood), "probability/gaussian-log-likelihood"),
    (lambda: check.gaussian_log_likelihood(gaussian_by_hand), "probability/gaussian-log-likelihood"),
], ids=["kl-distributions", "kl-by-hand", "bernoulli-bce", "bernoulli-by-hand", "gaussian-log-prob", "gaussian-by-hand"])
def test_right_answers_pass(verdict, exercise):
    result = verdict()
    assert result.passed, result.message
    data, metadata = result._repr_mimebundle_()
    assert "통과 · passed" in data["text/plain"] and metadata[RECORD]["exercise"] == exercise


def failing_cases(verdict) -> list[str]:
    assert not verdict.passed
    assert "hint" in str(verdict)
    return failed_lines(verdict)


# Typical wrong answers -------------------------------------------------------------------------------


def test_kl_with_a_standard_normal_p_fails_except_when_p_is_standard():
    def prior_formula(mu_q, logvar_q, mu_p, logvar_p):  # ignores p: KL to N(0, I)
        return 0.5 * (mu_q.pow(2) + logvar_q.exp() - 1 - logvar_q).sum(dim=1)

    failed = failing_cases(check.kl_gaussians(prior_formula))
    assert not any("p = N(0, I)" in line for line in failed)
    assert any("q = p" in line and "values differ" in line for line in failed)


def test_kl_in_the_wrong_direction_fails():
    def swapped(mu_q, logvar_q, mu_p, logvar_p):  # KL(p || q)
        return kl_gaussians(mu_p, logvar_p, mu_q, logvar_q)

    failed = failing_cases(check.kl_gaussians(swapped))
    assert any("random q and p" in line for line in failed)


def test_kl_averaged_over_dimensions_fails():
    def averaged(mu_q, logvar_q, mu_p, logvar_p):
        return kl_gaussians(mu_q, logvar_q, mu_p, logvar_p) / mu_q.shape[1]

    failed = failing_cases(check.kl_gaussians(averaged))
    assert not any("batch size 1, one dimension" in line for line in failed)  # one dimension: mean = sum
    assert any("random q and p" in line for line in failed)


def test_kl_with_the_wrong_shape_is_reported():
    verdict = check.kl_gaussians(lambda mu_q, logvar_q, mu_p, logvar_p: kl_gaussians(mu_q, logvar_q, mu_p, logvar_p).sum())
    assert not verdict and "shape ()" in verdict.message


def test_naive_bernoulli_gives_nan_at_large_logits():
    def naive(logits, x):
        p = torch.sigmoid(logits)
        return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=1)

    failed = failing_cases(check.bernoulli_log_likelihood(naive))
    assert len(failed) == 1 and "large logits" in failed[0] and "NaN" in failed[0]


def test_clamped_bernoulli_is_finite_but_wrong_at_large_logits():
    def clamped(logits, x):
        p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)
        return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(dim=1)

    failed = failing_cases(check.bernoulli_log_likelihood(clamped))
    assert len(failed) == 1 and "large logits" in failed[0] and "values differ" in failed[0]


def test_bce_instead_of_log_likelihood_fails():
    def positive(logits, x):  # the loss, not the log-likelihood: wrong sign
        return -bernoulli_log_likelihood(logits, x)

    assert len(failing_cases(check.bernoulli_log_likelihood(positive))) == 5


def test_bernoulli_mean_over_pixels_fails():
    failed = failing_cases(check.bernoulli_log_likelihood(
        lambda logits, x: -F.binary_cross_entropy_with_logits(logits, x, reduction="none").mean(dim=1)))
    assert any("batch of 32" in line for line in failed)


def test_gaussian_without_the_constant_fails():
    def no_constant(x, mean, logvar):
        return (-0.5 * (logvar + (x - mean) ** 2 * torch.exp(-logvar))).sum(dim=1)

    failed = failing_cases(check.gaussian_log_likelihood(no_constant))
    assert any("x = mean" in line and "values differ" in line for line in failed)


def test_gaussian_with_exp_logvar_as_the_standard_deviation_fails():
    def std_mistake(x, mean, logvar):  # scale = exp(logvar) is the variance, not σ
        return Normal(mean, logvar.exp()).log_prob(x).sum(dim=1)

    failed = failing_cases(check.gaussian_log_likelihood(std_mistake))
    assert not any("x = mean" in line for line in failed)  # log σ² = 0: σ = σ² = 1
    assert any("near-zero variance" in line for line in failed)


def test_gaussian_with_logvar_as_the_scale_is_reported_not_raised():
    verdict = check.gaussian_log_likelihood(lambda x, mean, logvar: Normal(mean, logvar).log_prob(x).sum(dim=1))
    assert not verdict and "ValueError" in verdict.message  # a negative scale: torch refuses it


def test_gaussian_mean_over_pixels_fails():
    failed = failing_cases(check.gaussian_log_likelihood(
        lambda x, mean, logvar: Normal(mean, torch.exp(0.5 * logvar)).log_prob(x).mean(dim=1)))
    assert len(failed) >= 6


# Wrong types and unfinished starters never crash a check ---------------------------------------------

CHECKS = [check.kl_gaussians, check.bernoulli_log_likelihood, check.gaussian_log_likelihood]


def test_the_cases_are_what_they_say():
    """The edge cases hold the values their descriptions promise."""
    kl = {case.about: case for case in check.kl_gaussians.cases()}
    assert torch.equal(next(c for a, c in kl.items() if "q = p" in a).expected, torch.zeros(3))
    bernoulli = {case.about: case for case in check.bernoulli_log_likelihood.cases()}
    zero = next(c for a, c in bernoulli.items() if "logits 0" in a)
    torch.testing.assert_close(zero.expected, torch.full((4,), -784 * math.log(2)))
    large = next(c for a, c in bernoulli.items() if "±200" in a)
    torch.testing.assert_close(large.expected, torch.tensor([-400.0, -60.0]))
    expected = Bernoulli(logits=large.args[0].double()).log_prob(large.args[1].double()).sum(1)
    torch.testing.assert_close(large.expected, expected.float())
    gaussian = {case.about: case for case in check.gaussian_log_likelihood.cases()}
    at_mean = next(c for a, c in gaussian.items() if "x = mean" in a)
    torch.testing.assert_close(at_mean.expected, torch.full((3,), -392 * math.log(2 * math.pi)))
    assert all(torch.isfinite(case.expected).all() for case in [*kl.values(), *bernoulli.values(), *gaussian.values()])
