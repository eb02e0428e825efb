"""8-bit pixel likelihoods: the discretized logistic against the logistic CDF, dequantization's bound, errors."""
import math

import pytest
import torch
from torch.distributions import AffineTransform, SigmoidTransform, TransformedDistribution, Uniform

from vae_course import gaussian_reconstruction
from vae_course.pixels import dequantization_offset, dequantize, discretized_logistic_nll, to_levels
from vae_course.validate import eight_bit


def logistic(mean, scale):
    """A logistic distribution built by torch.distributions: the inverse sigmoid of a uniform, shifted and scaled."""
    base = Uniform(torch.zeros_like(mean), torch.ones_like(mean))
    return TransformedDistribution(base, [SigmoidTransform().inv, AffineTransform(mean, scale)])


def reference_log_p(mean, scale, level):
    """log P(level) from the CDF of torch.distributions' logistic, in float64, edges open to ±∞."""
    dist = logistic(mean, scale)
    upper = dist.cdf(torch.full_like(mean, (level + 0.5) / 255)) if level < 255 else torch.ones_like(mean)
    lower = dist.cdf(torch.full_like(mean, (level - 0.5) / 255)) if level > 0 else torch.zeros_like(mean)
    return torch.log(upper - lower)


def test_matches_the_logistic_cdf_at_every_level():
    g = torch.Generator().manual_seed(0)
    mean = torch.empty(1, 6, dtype=torch.float64).uniform_(0.2, 0.8, generator=g)  # where the reference's CDF
    log_scale = torch.empty(1, 6, dtype=torch.float64).uniform_(-2.5, -1, generator=g)  # keeps full precision
    for level in (0, 1, 77, 128, 254, 255):
        levels = torch.full((1, 6), level)
        ours = -discretized_logistic_nll(mean, log_scale, levels)
        expected = reference_log_p(mean, log_scale.exp(), level).sum(1)
        torch.testing.assert_close(ours, expected, rtol=1e-9, atol=1e-9)


def test_the_256_probabilities_sum_to_one():
    mean = torch.tensor([[-0.3, 0.0, 0.4, 1.0, 1.7]], dtype=torch.float64).expand(256, 5)
    log_scale = torch.tensor([[-6.0, -3.0, -1.0, 0.0, -5.0]], dtype=torch.float64).expand(256, 5)
    levels = torch.arange(256).unsqueeze(1).expand(256, 5)
    per_pixel = torch.stack([-discretized_logistic_nll(mean[:, i:i + 1], log_scale[:, i:i + 1], levels[:, i:i + 1])
                             for i in range(5)], 1)
    torch.testing.assert_close(per_pixel.exp().sum(0), torch.ones(5, dtype=torch.float64), rtol=0, atol=1e-12)


def test_stays_exact_where_the_cdf_difference_underflows():
    """A sharp logistic far from a level: σ(a) − σ(b) underflows to 0, the log-space formula keeps 6 digits
    (against 50-digit arithmetic)."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    mean, log_scale, levels = torch.full((1, 1), 0.9), torch.full((1, 1), -7.0), torch.full((1, 1), 30)
    a, b = [(torch.tensor(c / 255) - 0.9) / math.exp(-7) for c in (30.5, 29.5)]
    assert torch.sigmoid(a) - torch.sigmoid(b) == 0
    s = mp.e ** mp.mpf(-7)
    sigmoid = lambda v: 1 / (1 + mp.e ** -v)  # noqa: E731
    exact = -mp.log(sigmoid((mp.mpf(30.5) / 255 - mp.mpf(0.9)) / s) - sigmoid((mp.mpf(29.5) / 255 - mp.mpf(0.9)) / s))
    nll = discretized_logistic_nll(mean, log_scale, levels).item()
    assert math.isfinite(nll) and abs(nll - float(exact)) / float(exact) < 1e-6


def test_a_sharp_logistic_on_a_level_gives_it_all_the_mass():
    levels = torch.tensor([[0, 40, 255]])
    nll = discretized_logistic_nll(levels / 255, torch.full((1, 3), -9.0), levels)
    assert 0 <= nll.item() < 1e-3


@pytest.mark.parametrize("levels, error, match", [
    (torch.tensor([[0.0, 256.0]]), ValueError, r"0\.\.255.*\[0, 256\]"),
    (torch.tensor([[-1, 3]]), ValueError, r"0\.\.255.*\[-1, 3\]"),
    (torch.tensor([[0.5, 3.0]]), ValueError, "not integers.*to_levels"),
    (torch.tensor([[float("nan"), 3.0]]), ValueError, "NaN"),
    (torch.tensor([[True, False]]), TypeError, "torch.bool"),
    ([[0, 1]], TypeError, "torch.Tensor"),
])
def test_bad_levels_are_explained(levels, error, match):
    with pytest.raises(error, match=match):
        discretized_logistic_nll(torch.zeros(1, 2), torch.zeros(1, 2), levels)


def test_mismatched_shapes_are_explained():
    with pytest.raises(ValueError, match="same pixels"):
        discretized_logistic_nll(torch.zeros(2, 784), torch.zeros(2, 784), torch.zeros(2, 700, dtype=torch.long))


def test_to_levels_recovers_8_bit_images_and_refuses_the_rest(mnist):
    levels = to_levels(mnist.test_images[:8])
    assert levels.dtype == torch.int64 and levels.min() >= 0 and levels.max() == 255
    torch.testing.assert_close(levels / 255, mnist.test_images[:8], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="not multiples of 1/255"):
        to_levels(dequantize(levels))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_levels(levels.float())


def test_dequantized_pixels_stay_in_their_level_s_interval():
    levels = torch.arange(256).repeat(40)
    y = dequantize(levels, torch.Generator().manual_seed(0))
    assert ((y >= levels / 256) & (y < (levels + 1) / 256)).all()
    assert eight_bit("levels", torch.tensor([3, 255])).dtype == torch.get_default_dtype()


def test_the_dequantization_bound_holds_for_a_known_density():
    """log P(k) ≥ E_u[log p((k + u)/256)] − log 256 for a logistic density p, with P(k) its exact mass on the bin
    and the expectation over u computed by the midpoint rule."""
    mean, scale = torch.tensor(0.45, dtype=torch.float64), torch.tensor(0.08, dtype=torch.float64)
    density = logistic(mean, scale)
    u = (torch.arange(10_000, dtype=torch.float64) + 0.5) / 10_000
    for k in (0, 60, 115, 200, 255):
        mass = density.cdf(torch.tensor((k + 1) / 256, dtype=torch.float64)) - density.cdf(torch.tensor(k / 256, dtype=torch.float64))
        bound = density.log_prob((k + u) / 256).mean() - dequantization_offset(1)
        assert 0 <= torch.log(mass) - bound < 0.01  # Jensen's gap: small when p is nearly flat across one bin
    assert dequantization_offset() == pytest.approx(784 * math.log(256))


def test_a_learned_sigma_is_best_at_the_root_mean_squared_error():
    """d/dσ of the Gaussian negative log-likelihood vanishes at σ² = ‖x − mean‖²/D (the σ-VAE's optimum)."""
    g = torch.Generator().manual_seed(0)
    x, mean = torch.rand(8, 784, generator=g, dtype=torch.float64), torch.rand(8, 784, generator=g, dtype=torch.float64)
    best = (x - mean).pow(2).mean().sqrt()
    log_sigma = best.log().clone().requires_grad_(True)
    gaussian_reconstruction(mean, x, log_sigma.exp()).sum().backward()
    assert abs(log_sigma.grad.item()) < 1e-8
    torch.testing.assert_close(gaussian_reconstruction(mean, x, torch.tensor(0.3, dtype=torch.float64)),
                               gaussian_reconstruction(mean, x, 0.3))
    for sigma in (best * 0.9, best * 1.1):
        assert gaussian_reconstruction(mean, x, sigma).sum() > gaussian_reconstruction(mean, x, best).sum()


@pytest.mark.parametrize("sigma, match", [(torch.tensor(-0.1), "positive.*log σ"), (torch.ones(3), "one shared"),
                                          (torch.tensor(1), "one shared")])
def test_bad_learned_sigmas_are_explained(sigma, match):
    with pytest.raises(ValueError, match=match):
        gaussian_reconstruction(torch.zeros(2, 4), torch.zeros(2, 4), sigma)
