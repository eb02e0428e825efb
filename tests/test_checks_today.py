"""The checks of the chapter "VAEs today": reference answers pass, typical mistakes fail clearly."""
import pytest
import torch
import torch.nn.functional as F

from vae_course.checks import today as check

from conftest import failing_line


# today/discretized-logistic ----------------------------------------------------------------------

def discretized_logistic(levels, mean, log_scale):
    c, half, inv_s = levels / 255, 1 / 510, torch.exp(-log_scale)
    a, b = (c + half - mean) * inv_s, (c - half - mean) * inv_s
    inside = F.logsigmoid(a) + F.logsigmoid(-b) + torch.log(-torch.expm1(b - a))
    return torch.where(levels == 0, F.logsigmoid(a), torch.where(levels == 255, F.logsigmoid(-b), inside))


def cdf_difference(levels, mean, log_scale, edges=True):
    c, half, s = levels / 255, 1 / 510, log_scale.exp()
    upper, lower = torch.sigmoid((c + half - mean) / s), torch.sigmoid((c - half - mean) / s)
    if edges:
        upper, lower = torch.where(levels == 255, 1.0, upper), torch.where(levels == 0, 0.0, lower)
    return torch.log(upper - lower)


def test_discretized_logistic_reference_passes():
    assert check.discretized_logistic(discretized_logistic).message.count("✓") == 4


@pytest.mark.parametrize("answer, failing, message", [
    (cdf_difference, "very narrow", "NaN or infinity"),
    (lambda *args: cdf_difference(*args, edges=False), "edge levels", "✗"),  # wrong or -inf at the edges
    (lambda levels, mean, log_scale: discretized_logistic(levels * 1.0, mean, log_scale).sum(-1), "784 pixels", "shape"),
    (lambda levels, mean, log_scale: discretized_logistic(levels, mean, log_scale.exp()), "784 pixels", "values differ"),
])
def test_discretized_logistic_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.discretized_logistic(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


# today/optimal-sigma -----------------------------------------------------------------------------

def test_optimal_sigma_reference_passes():
    assert check.optimal_sigma(lambda mean, x: (x - mean).pow(2).mean().sqrt()).message.count("✓") == 4
    assert check.optimal_sigma(lambda mean, x: torch.nn.functional.mse_loss(mean, x).item() ** 0.5)


@pytest.mark.parametrize("answer, failing, message", [
    (lambda mean, x: (x - mean).pow(2).mean(), "16 images", "differs from the expected"),  # σ², not σ
    (lambda mean, x: (x - mean).pow(2).flatten(1).sum(1).mean().sqrt(), "16 images", "differs from the expected"),
    (lambda mean, x: (x - mean).pow(2).flatten(1).mean(1).sqrt(), "16 images", "expected a number"),
    (lambda mean, x: (x - mean).abs().mean(), "16 images", "differs from the expected"),
])
def test_optimal_sigma_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.optimal_sigma(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


# today/forward-noising ---------------------------------------------------------------------------

def test_forward_noising_reference_passes():
    def add_noise(x0, t, noise, alpha_bars):
        a = alpha_bars[t - 1].unsqueeze(1)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise
    assert check.forward_noising(add_noise).message.count("✓") == 4


@pytest.mark.parametrize("answer, failing, message", [
    (lambda x0, t, noise, ab: ab[t].unsqueeze(1).sqrt() * x0 + (1 - ab[t].unsqueeze(1)).sqrt() * noise, "t = T", "IndexError"),
    (lambda x0, t, noise, ab: ab[t - 1].unsqueeze(1) * x0 + (1 - ab[t - 1].unsqueeze(1)) * noise, "mixed t", "values differ"),
    (lambda x0, t, noise, ab: ab[t - 1].sqrt() * x0 + (1 - ab[t - 1]).sqrt() * noise, "mixed t", "RuntimeError"),
    (lambda x0, t, noise, ab: x0 + (1 - ab[t - 1].unsqueeze(1)).sqrt() * noise, "mixed t", "values differ"),
])
def test_forward_noising_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.forward_noising(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
