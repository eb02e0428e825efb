"""The conditional and convolutional VAEs, β schedules, the IWAE estimate and active units."""
import math

import pytest
import torch

from vae_course import (VAE, ConditionalVAE, ConvVAE, active_units, bits_per_dim, elbo, evaluate, fit,
                        linear_warmup, load_checkpoint, log_likelihood, seed_everything)


@pytest.fixture(scope="module")
def trained(small):
    seed_everything(0)
    model = VAE(h_dim=128, z_dim=8)
    fit(model, small, epochs=3, progress=False)
    return model


@pytest.mark.parametrize("model", [ConditionalVAE(h_dim=64, z_dim=4), ConvVAE(h_dim=64, z_dim=4, channels=8)],
                         ids=["conditional", "conv"])
def test_variants_train_evaluate_and_round_trip(model, small, tmp_path):
    history = fit(model, small, epochs=2, checkpoint=tmp_path / "m.pt", progress=False)
    assert history["test_elbo"][-1] > history["test_elbo"][0]
    loaded, _ = load_checkpoint(tmp_path / "m.pt")
    assert type(loaded) is type(model) and loaded.config == model.config
    y = small.test_labels[:5] if model.conditional else None
    torch.testing.assert_close(loaded.reconstruct(small.test_images[:5], y), model.reconstruct(small.test_images[:5], y))


def test_conditional_model_needs_valid_labels(small):
    model = ConditionalVAE(h_dim=32, z_dim=2)
    x = small.test_images[:4]
    with pytest.raises(ValueError, match=r"y must be an integer tensor of shape \(4,\), one per example, got NoneType"):
        model.encode(x)
    with pytest.raises(ValueError, match=r"0\.\.9, got values in 3\.\.12"):
        model.encode(x, torch.tensor([3, 4, 5, 12]))
    with pytest.raises(RuntimeError, match=r"y is on meta but the model is on cpu"):  # before the range check
        model.encode(x, torch.zeros(4, dtype=torch.long, device="meta"))
    with pytest.raises(ValueError, match="VAE is not conditional"):
        VAE().encode(x, torch.zeros(4, dtype=torch.long))
    assert model.sample(6, torch.arange(6)).shape == (6, 784)
    labels = torch.tensor([3, 4, 5, 9])  # int32 labels, which the check accepts, encode like int64 ones
    assert all(torch.equal(a, b) for a, b in zip(model.encode(x, labels.int()), model.encode(x, labels)))


def test_linear_warmup_and_beta_in_history(small):
    beta = linear_warmup(32)
    assert [beta(s) for s in (0, 16, 32, 100)] == [0.0, 0.5, 1.0, 1.0]
    history = fit(VAE(h_dim=32, z_dim=2), small, epochs=2, beta=beta, progress=False)  # 16 steps per epoch
    assert history["beta"] == [0.5, 1.0]
    with pytest.raises(ValueError, match="steps must be a positive int"):
        linear_warmup(0)
    with pytest.raises(ValueError, match="beta must be a non-negative number or a function"):
        fit(VAE(), small, beta=-1.0)


def test_iwae_with_one_sample_is_the_elbo_in_expectation(trained, small):
    x = torch.bernoulli(small.test_images[:64], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        k1 = torch.stack([log_likelihood(trained, x, k=1) for _ in range(200)]).mean()
        analytic = torch.stack([elbo(trained, x) for _ in range(200)]).mean()
    assert abs(k1 - analytic) < 0.3  # both average 12,800 single-sample estimates


def test_iwae_rises_with_k_and_stays_above_the_elbo(trained, small):
    x = torch.bernoulli(small.test_images[:64], generator=torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(1)
    estimates = [log_likelihood(trained, x, k=k, generator=g).mean().item() for k in (1, 10, 100, 1000)]
    assert estimates == sorted(estimates)
    assert estimates[-1] > evaluate(trained, small)["elbo"] - 20  # different images, same scale
    assert estimates[-1] > torch.stack([elbo(trained, x) for _ in range(50)]).mean().item()
    chunked = log_likelihood(trained, x[:4], k=300, chunk=7, generator=torch.Generator().manual_seed(2))
    whole = log_likelihood(trained, x[:4], k=300, chunk=300, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(chunked, whole)
    with pytest.raises(ValueError, match="k must be a positive int"):
        log_likelihood(trained, x, k=0)


def test_active_units_and_bits_per_dim(trained, small):
    count, variance = active_units(trained, small)
    assert 0 < count <= 8 and variance.shape == (8,)
    assert count == int((variance > 0.01).sum())
    assert active_units(VAE(h_dim=32, z_dim=4), small, threshold=1e9)[0] == 0
    assert bits_per_dim(784 * math.log(2)) == pytest.approx(1.0)
