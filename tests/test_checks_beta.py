"""The checks of the β-VAE chapter: the reference solutions pass, typical wrong answers fail with a useful message."""
import pytest
import torch
import torch.nn.functional as F

from conftest import failed_lines
from vae_course.checks import beta as check


# Reference solutions, written as a student would (plain Python / PyTorch) -------------------------------

def kl_warmup(step, warmup_steps, beta_max=1.0):
    return beta_max * min(step / warmup_steps, 1.0)


def kl_warmup_with_torch(step, warmup_steps, beta_max=1.0):
    return torch.clamp(torch.tensor(step / warmup_steps, dtype=torch.float64), max=1.0) * beta_max


def beta_vae_loss(logits, x, mu, logvar, beta):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return (rec + beta * kl).mean()


def count_active_units(mu, threshold=0.01):
    return int((mu.var(dim=0) > threshold).sum())


def count_active_units_biased(mu, threshold=0.01):
    """The population variance (÷N) is just as right: the cases keep away from the threshold."""
    centerd = mu - mu.mean(0)
    return (centerd.pow(2).mean(0) > threshold).sum()  # a 0-d tensor is accepted as a count


@pytest.mark.parametrize("answer", [kl_warmup, kl_warmup_with_torch])
def test_reference_warmup_passes(answer):
    verdict = check.kl_warmup(answer)
    assert verdict.passed, verdict.message
    assert "exactly at the end of the warm-up" in verdict.message and "beyond the end" in verdict.message


def test_reference_beta_loss_passes():
    verdict = check.beta_loss(beta_vae_loss)
    assert verdict.passed, verdict.message
    assert "β = 0: reconstruction only" in verdict.message and "batch size 1" in verdict.message


@pytest.mark.parametrize("answer", [count_active_units, count_active_units_biased])
def test_reference_active_units_pass(answer):
    verdict = check.active_units(answer)
    assert verdict.passed, verdict.message
    assert "every dimension collapsed" in verdict.message


# Typical wrong answers ----------------------------------------------------------------------------------

def failed(verdict, *cases):
    """The verdict failed, and each named case is marked ✗ in it."""
    assert not verdict.passed
    for case in cases:
        assert any(case in line for line in failed_lines(verdict)), (case, verdict.message)
    return verdict


def test_warmup_without_the_clamp_fails_beyond_the_end():
    verdict = failed(check.kl_warmup(lambda step, warmup_steps, beta_max=1.0: beta_max * step / warmup_steps),
                     "beyond the end of the warm-up", "long after the end")
    assert "✓ 0단계" in verdict.message and "differs from the expected value" in verdict.message
    assert "hint" in str(verdict) and "beta_max" in verdict.hint


def test_warmup_with_integer_division_fails_in_the_middle():
    verdict = failed(check.kl_warmup(lambda step, warmup_steps, beta_max=1.0: beta_max * min(step // warmup_steps, 1)),
                     "halfway", "does not divide evenly")
    assert "//" in verdict.hint


def test_warmup_off_by_one_fails_at_the_start_and_the_end():
    failed(check.kl_warmup(lambda step, warmup_steps, beta_max=1.0: beta_max * min((step - 1) / warmup_steps, 1.0)),
           "step 0 gives β = 0", "exactly at the end")


def test_warmup_that_ignores_beta_max_fails_only_the_target_cases():
    verdict = failed(check.kl_warmup(lambda step, warmup_steps, beta_max=1.0: min(step / warmup_steps, 1.0)),
                     "target β = 4")
    assert "✓ 워밍업이 끝나는 바로 그 단계" in verdict.message


def test_warmup_returning_none_reports_instead_of_crashing():
    verdict = check.kl_warmup(lambda step, warmup_steps, beta_max=1.0: None)
    assert not verdict.passed and "expected a number, got NoneType" in verdict.message


def test_annealing_the_reconstruction_instead_of_the_kl_fails():
    def wrong(logits, x, mu, logvar, beta):
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        return (beta * rec + 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)).mean()
    verdict = failed(check.beta_loss(wrong), "β = 0: reconstruction only", "β = 4")
    assert "✓ β = 1: 음의 ELBO" in verdict.message and "values differ" in verdict.message
    assert "β = 0" in verdict.hint


def test_beta_on_both_terms_fails():
    def wrong(logits, x, mu, logvar, beta):
        return beta * beta_vae_loss(logits, x, mu, logvar, 1.0)
    failed(check.beta_loss(wrong), "β = 0: reconstruction only", "β = 8")


def test_mean_over_pixels_fails():
    def wrong(logits, x, mu, logvar, beta):
        rec = F.binary_cross_entropy_with_logits(logits, x)
        return rec + beta * (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)).mean()
    failed(check.beta_loss(wrong), "β = 1", "784 ln 2")


def test_beta_loss_returning_per_example_values_reports_the_shape():
    verdict = check.beta_loss(lambda logits, x, mu, logvar, beta: beta_vae_loss(logits, x, mu, logvar, beta) * torch.ones(len(x)))
    assert not verdict.passed and "shape" in verdict.message


def test_second_moment_instead_of_variance_fails_on_a_constant_mean():
    verdict = failed(check.active_units(lambda mu, threshold=0.01: int((mu.pow(2).mean(0) > threshold).sum())),
                     "the same μ = 3 for every x")
    assert "✓ 모든 차원이 붕괴" in verdict.message


def test_variance_over_the_wrong_axis_fails():
    failed(check.active_units(lambda mu, threshold=0.01: int((mu.var(1) > threshold).sum())), "mixed scales")


def test_returning_the_mask_instead_of_the_count_reports_without_crashing():
    verdict = check.active_units(lambda mu, threshold=0.01: mu.var(0) > threshold)
    assert not verdict.passed and "✗" in verdict.message


@pytest.mark.parametrize("run", [check.kl_warmup, check.beta_loss, check.active_units])
def test_a_non_function_is_reported(run):
    verdict = run("0.5")
    assert not verdict.passed and "pass the function itself, got str" in verdict.message
