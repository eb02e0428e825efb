"""The checks of the latent-space chapter: reference answers pass, typical mistakes fail with a useful message."""
import math

import pytest
import torch
from torch.distributions import Normal

from conftest import failing_line
from vae_course.checks import latent as check


# latent/normal-quantiles -------------------------------------------------------------------------

def normal_quantiles(n, low=0.05, high=0.95):
    return Normal(0.0, 1.0).icdf(torch.linspace(low, high, n))


def normal_quantiles_erfinv(n, low=0.05, high=0.95):
    p = torch.linspace(low, high, n)
    return math.sqrt(2) * torch.erfinv(2 * p - 1)


@pytest.mark.parametrize("answer", [normal_quantiles, normal_quantiles_erfinv])
def test_quantile_references_pass(answer):
    verdict = check.normal_quantiles(answer)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 5


@pytest.mark.parametrize("answer, about, message", [
    # equal steps in z between the end quantiles: the mistake of the common-mistakes box
    (lambda n, low, high: torch.linspace(normal_quantiles(1, low, low).item(), normal_quantiles(1, high, high).item(), n),
     "n = 20", "values differ"),
    # the CDF instead of its inverse
    (lambda n, low, high: Normal(0.0, 1.0).cdf(torch.linspace(low, high, n)), "n = 2", "values differ"),
    # forgot the √2 of Φ⁻¹(p) = √2 erfinv(2p - 1)
    (lambda n, low, high: torch.erfinv(2 * torch.linspace(low, high, n) - 1), "n = 2", "values differ"),
    # endpoints left out, as in np.linspace(low, high, n + 2)[1:-1]
    (lambda n, low, high: normal_quantiles(n + 2, low, high)[1:-1], "n = 2", "values differ"),
    # a Python list instead of a tensor
    (lambda n, low, high: normal_quantiles(n, low, high).tolist(), "n = 20", "expected a tensor, got list"),
])
def test_quantile_mistakes_fail_with_a_reason(answer, about, message):
    verdict = check.normal_quantiles(answer)
    assert not verdict.passed and "hint" in str(verdict)
    assert message in failing_line(verdict, about)
    assert "icdf" not in verdict.hint and "erfinv" not in verdict.hint  # the hint does not give the answer away


# latent/interpolate --------------------------------------------------------------------------------

def interpolate(z1, z2, n):
    t = torch.linspace(0, 1, n).unsqueeze(1)
    return (1 - t) * z1 + t * z2


def interpolate_loop(z1, z2, n):
    return torch.stack([z1 + (z2 - z1) * i / (n - 1) for i in range(n)])


@pytest.mark.parametrize("answer", [interpolate, interpolate_loop, lambda z1, z2, n: torch.lerp(
    z1.expand(n, -1), z2.expand(n, -1), torch.linspace(0, 1, n).unsqueeze(1))])
def test_interpolate_references_pass(answer):
    verdict = check.interpolate(answer)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("answer, about, message", [
    (lambda z1, z2, n: interpolate(z1, z2, n + 2)[1:-1], "n = 2", "values differ"),           # endpoints left out
    (lambda z1, z2, n: interpolate(z1, z2, n).T, "20 latent dimensions", "shape (20, 8), expected (8, 20)"),
    (lambda z1, z2, n: interpolate(z2, z1, n), "n = 2", "values differ"),                      # runs backwards
    (lambda z1, z2, n: torch.stack([z1 + (z2 - z1) * i / n for i in range(n)]), "n = 2", "values differ"),  # t < 1
    (lambda z1, z2, n: torch.stack([z1 + (z2 - z1) * i / (n - 1) for i in range(n)]).sum(0), "n = 2", "shape"),
])
def test_interpolate_mistakes_fail_with_a_reason(answer, about, message):
    verdict = check.interpolate(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, about)
    assert "linspace" not in verdict.hint


def test_identical_endpoints_need_no_division():
    """A path built from the direction (z2 - z1) / ‖z2 - z1‖ breaks on identical endpoints."""
    def normalized(z1, z2, n):
        gap = (z2 - z1).norm()
        direction = (z2 - z1) / gap
        return z1 + torch.linspace(0, 1, n).unsqueeze(1) * gap * direction
    verdict = check.interpolate(normalized)
    assert not verdict.passed and "NaN" in failing_line(verdict, "identical endpoints")


# latent/active-units ---------------------------------------------------------------------------------

def count_active_units(means, threshold=0.01):
    return int((means.var(dim=0) > threshold).sum())


@pytest.mark.parametrize("answer", [
    count_active_units,
    lambda means, threshold=0.01: (means.var(0, unbiased=False) > threshold).sum(),  # a tensor count, biased variance
    lambda means, threshold=0.01: sum(float(torch.var(means[:, u])) > threshold for u in range(means.shape[1])),
])
def test_active_units_references_pass(answer):
    verdict = check.active_units(answer)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 7


@pytest.mark.filterwarnings("ignore:var\\(\\). degrees of freedom:UserWarning")  # var(1) of one column
@pytest.mark.parametrize("answer, about, message", [
    # the mean square E[μ²] instead of the variance: codes far from 0 look active
    (lambda means, threshold: int((means.pow(2).mean(0) > threshold).sum()), "every code is constant", "3"),
    # variance over the latent dimensions (per image) instead of over the images
    (lambda means, threshold: int((means.var(1) > threshold).sum()), "5 active", "999"),
    # ≥ instead of >
    (lambda means, threshold: int((means.var(0) >= threshold).sum()), "exactly at the threshold", "2"),
    # the variances themselves, not their count
    (lambda means, threshold: means.var(0), "5 active", "expected one count, got a tensor of shape (10,)"),
    # the standard deviation against the threshold meant for the variance
    (lambda means, threshold: int((means.std(0) > threshold).sum()), "just below and above", "4"),
])
def test_active_units_mistakes_fail_with_a_reason(answer, about, message):
    verdict = check.active_units(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, about)
    assert ".var(" not in verdict.hint


def test_active_units_agrees_with_the_package():
    """The check's definition is the package's `active_units`: Var over examples of μ_u(x), unbiased, > threshold."""
    from vae_course import active_units

    class Codes:  # a model whose encoder returns fixed means
        conditional = False

        def __init__(self, means):
            self.means = means

        def encode(self, x, y=None):
            return self.means[: len(x)], torch.zeros_like(self.means[: len(x)])

    class Data:
        def __init__(self, n):
            self.n = n

        def batches(self, batch_size, split, shuffle):
            yield torch.zeros(self.n, 784), torch.zeros(self.n, dtype=torch.long)

    for case in check.active_units.cases():
        means, threshold = case.args
        count, _ = active_units(Codes(means), Data(len(means)), threshold=threshold)
        assert count == case.expected, case.about


# All three ---------------------------------------------------------------------------------------

CHECKS = [check.normal_quantiles, check.interpolate, check.active_units]
