"""The checks of the chapter "closing the gap": reference answers pass, typical mistakes fail clearly."""
import math

import pytest
import torch

from vae_course.checks import gap as check

from conftest import failing_line


# gap/iwae-bound -----------------------------------------------------------------------------------

def iwae_bound(log_w):
    return torch.logsumexp(log_w, 0) - math.log(log_w.shape[0])


def test_iwae_bound_reference_passes():
    assert check.iwae_bound(iwae_bound)


@pytest.mark.parametrize("answer, failing, message", [
    (lambda log_w: torch.log(torch.exp(log_w).mean(0)), "near −1,000", "NaN or infinity"),   # naive: underflow
    (lambda log_w: log_w.mean(0), "k = 5", "values differ"),                                # mean of logs: the ELBO
    (lambda log_w: torch.logsumexp(log_w, 0), "k = 5", "values differ"),                     # forgot − log k
    (lambda log_w: torch.logsumexp(log_w, 1) - math.log(log_w.shape[1]), "k = 5", "shape"),  # wrong axis
])
def test_iwae_bound_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.iwae_bound(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


# gap/coupling -------------------------------------------------------------------------------------

def coupling(z, s_raw, t):
    n_a = z.shape[1] // 2
    s = torch.tanh(s_raw)
    return torch.cat([z[:, :n_a], z[:, n_a:] * s.exp() + t], 1), s.sum(1)


def test_coupling_reference_passes():
    assert check.coupling(coupling)


@pytest.mark.parametrize("answer, failing, message", [
    (lambda z, s, t: (coupling(z, s, t)[0], torch.tanh(s).exp().sum(1)), "N = 4", "log_det"),       # det, not log det
    (lambda z, s, t: (coupling(z, s, t)[0], (torch.tanh(s) + t).sum(1)), "N = 4", "log_det"),       # t in the det
    (lambda z, s, t: (torch.cat([z[:, :z.shape[1] // 2], z[:, z.shape[1] // 2:] * s.exp() + t], 1), s.sum(1)),
     "large s_raw", "values differ"),                                                                 # no tanh
    (lambda z, s, t: (torch.cat([z[:, :(z.shape[1] + 1) // 2], z[:, (z.shape[1] + 1) // 2:] * torch.tanh(s[:, 1:]).exp()
                                 + t[:, 1:]], 1), torch.tanh(s[:, 1:]).sum(1)), "odd d", "✗"),      # wrong split
    (lambda z, s, t: coupling(z, s, t)[0], "N = 4", "tuple"),
])
def test_coupling_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.coupling(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


# gap/free-bits ------------------------------------------------------------------------------------

def kl_per_example(mu, logvar):
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)


def free_bits(mu, logvar, bits):
    return kl_per_example(mu, logvar).mean(0).clamp(min=bits).sum()


def test_free_bits_reference_passes():
    assert check.free_bits(free_bits)


@pytest.mark.parametrize("answer, failing, message", [
    (lambda mu, logvar, bits: kl_per_example(mu, logvar).clamp(min=bits).sum(1).mean(), "on average", "differs"),  # per image
    (lambda mu, logvar, bits: max(bits, kl_per_example(mu, logvar).sum(1).mean().item()), "below the floor", "differs"),  # total
    (lambda mu, logvar, bits: kl_per_example(mu, logvar).mean(0).sum(), "below the floor", "differs"),  # no floor
    (lambda mu, logvar, bits: kl_per_example(mu, logvar).mean(0).clamp(min=bits), "batch of 8", "number"),  # not summed
])
def test_free_bits_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.free_bits(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
