"""The ELBO terms against torch.distributions, Monte Carlo and closed-form values."""
import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence as td_kl

from vae_course import VAE, bernoulli_reconstruction, elbo, gaussian_reconstruction, kl_divergence, vae_loss


@pytest.fixture
def gaussian_params():
    g = torch.Generator().manual_seed(0)
    return torch.randn(64, 20, generator=g), torch.randn(64, 20, generator=g)


def test_kl_matches_torch_distributions(gaussian_params):
    mu, logvar = gaussian_params
    expected = td_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(1)
    torch.testing.assert_close(kl_divergence(mu, logvar), expected)


def test_kl_matches_monte_carlo():
    mu, logvar = torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([[0.3, -0.7, 0.0]])
    q = Normal(mu, torch.exp(0.5 * logvar))
    z = q.sample(torch.Size([200_000]))
    estimate = (q.log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(-1).mean()
    assert abs(estimate - kl_divergence(mu, logvar).item()) < 0.02


def test_kl_is_zero_only_at_the_prior():
    zeros = torch.zeros(3, 5)
    assert torch.equal(kl_divergence(zeros, zeros), torch.zeros(3))
    assert (kl_divergence(zeros + 0.1, zeros) > 0).all()


def test_bernoulli_reconstruction_is_negative_log_likelihood():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 784, generator=g)
    x = torch.bernoulli(torch.full((8, 784), 0.3), generator=g)
    expected = -Bernoulli(logits=logits).log_prob(x).sum(1)
    torch.testing.assert_close(bernoulli_reconstruction(logits, x), expected)


def test_gaussian_reconstruction_includes_the_constants():
    g = torch.Generator().manual_seed(2)
    mean, x = torch.rand(4, 784, generator=g), torch.rand(4, 784, generator=g)
    for sigma in (1.0, 0.1):
        expected = -Normal(mean, sigma).log_prob(x).sum(1)
        torch.testing.assert_close(gaussian_reconstruction(mean, x, sigma), expected)


def test_zero_decoder_costs_784_ln2_nats(x_batch):
    model = VAE()
    torch.nn.init.zeros_(model.decoder[-1].weight)
    torch.nn.init.zeros_(model.decoder[-1].bias)
    mu, logvar = model.encode(x_batch)
    rec = bernoulli_reconstruction(model.decode(model.reparameterize(mu, logvar)), x_batch)
    torch.testing.assert_close(rec, torch.full((16,), 784 * math.log(2)))
    assert (elbo(model, x_batch) < -784 * math.log(2) + 1e-3).all()  # KL ≥ 0 only lowers it


def test_vae_loss_is_mean_of_reconstruction_plus_beta_kl(x_batch):
    model = VAE()
    logits, mu, logvar = model(x_batch)
    rec, kl = bernoulli_reconstruction(logits, x_batch), kl_divergence(mu, logvar)
    torch.testing.assert_close(vae_loss(logits, x_batch, mu, logvar, beta=4.0), (rec + 4.0 * kl).mean())


@pytest.mark.parametrize("bad, match", [
    (lambda x: x * 255, r"\[0, 1\].*\[0, 255\]"),
    (lambda x: x - 0.5, r"\[0, 1\]"),
    (lambda x: x[:, :700], r"does not match"),
    (lambda x: (x * 255).long(), r"floating-point"),
])
def test_bad_targets_are_named(x_batch, bad, match):
    logits = torch.zeros(16, 784)
    with pytest.raises((ValueError, TypeError), match=match):
        bernoulli_reconstruction(logits, bad(x_batch))


def test_exploding_logvar_is_reported():
    with pytest.raises(ValueError, match="logvar reaches 1e\\+03"):
        kl_divergence(torch.zeros(2, 3), torch.full((2, 3), 1000.0))


def test_negative_beta_and_sigma_are_rejected(x_batch):
    with pytest.raises(ValueError, match="beta"):
        vae_loss(torch.zeros(16, 784), x_batch, torch.zeros(16, 2), torch.zeros(16, 2), beta=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        gaussian_reconstruction(x_batch, x_batch, sigma=0.0)


def test_image_shaped_targets_are_accepted(x_batch):
    logits = torch.zeros(16, 784)
    torch.testing.assert_close(bernoulli_reconstruction(logits, x_batch.reshape(16, 1, 28, 28)),
                               bernoulli_reconstruction(logits, x_batch))
