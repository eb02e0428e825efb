"""The VAE's shapes, input checks and the reparameterization gradient."""
import math

import pytest
import torch

from vae_course import VAE, ConditionalVAE, ConvVAE, GridVAE, fit, load_checkpoint


def test_shapes_and_image_layouts(x_batch):
    model = VAE(z_dim=2)
    mu, logvar = model.encode(x_batch)
    assert mu.shape == logvar.shape == (16, 2)
    for layout in (x_batch.reshape(16, 28, 28), x_batch.reshape(16, 1, 28, 28)):
        torch.testing.assert_close(model.encode(layout)[0], mu)
    logits, _, _ = model(x_batch)
    assert logits.shape == (16, 784)
    assert model.sample(5).shape == (5, 784)
    assert 0 <= model.reconstruct(x_batch).min() <= model.reconstruct(x_batch).max() <= 1


@pytest.mark.parametrize("x, error, match", [
    (torch.rand(784), ValueError, r"without a batch axis.*unsqueeze\(0\)"),
    (torch.rand(4, 700), ValueError, r"784 values per example.*\(4, 700\)"),
    (torch.rand(0, 784), ValueError, "empty batch"),
    (torch.full((2, 784), float("nan")), ValueError, "NaN"),
    (torch.randint(0, 255, (2, 784)), TypeError, r"floating-point.*x.float\(\) / 255"),
    ([[0.0] * 784], TypeError, "torch.Tensor, got list"),
    (torch.rand(2, 784, device="meta"), RuntimeError, r"x is on meta but the model is on cpu"),
])
def test_bad_inputs_are_explained(x, error, match):
    with pytest.raises(error, match=match):
        VAE().encode(x)


def test_latent_size_mismatch_is_named():
    with pytest.raises(ValueError, match=r"z must hold 20 values per example.*\(3, 2\)"):
        VAE().decode(torch.zeros(3, 2))


@pytest.mark.parametrize("model, size", [(VAE, "z_dim"), (ConditionalVAE, "n_classes"), (ConvVAE, "channels"),
                                         (GridVAE, "z_channels")])
def test_sizes_must_be_positive_ints(model, size):
    with pytest.raises(ValueError, match=f"{size} must be a positive int"):
        model(**{size: 0})


def test_reparameterization_gradient_is_exact():
    mu = torch.randn(4, 3, requires_grad=True)
    logvar = torch.randn(4, 3, requires_grad=True)
    g = torch.Generator().manual_seed(0)
    z = VAE.reparameterize(mu, logvar, g)
    z.sum().backward()
    eps = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(z, mu + torch.exp(0.5 * logvar) * eps)
    torch.testing.assert_close(mu.grad, torch.ones(4, 3))  # dz/dμ = 1
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)  # dz/dlogσ² = ½σε


def test_reparameterized_samples_have_the_right_moments():
    mu, logvar = torch.tensor([[1.0, -2.0]]).expand(100_000, 2), torch.tensor([[0.0, 2.0]]).expand(100_000, 2)
    z = VAE.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), atol=0.03, rtol=0)
    torch.testing.assert_close(z.var(0), torch.tensor([1.0, torch.e**2]), atol=0.1, rtol=0)


def test_overflowing_logvar_is_a_clear_error():
    with pytest.raises(ValueError, match=r"logvar reaches 200.*where exp overflows in float32 \(about 88\.7\)"):
        VAE.reparameterize(torch.zeros(2, 3), torch.full((2, 3), 200.0))


def test_the_logvar_limit_sits_just_inside_float32():
    """What the limit's message says: exp(±80) is finite and normal in float32; exp overflows just above 88.7."""
    from vae_course.validate import LOGVAR_LIMIT

    finfo = torch.finfo(torch.float32)
    limit = torch.tensor([-LOGVAR_LIMIT, LOGVAR_LIMIT])
    assert torch.isfinite(torch.exp(limit)).all() and torch.exp(limit)[0] >= finfo.tiny
    assert torch.isfinite(torch.exp(torch.tensor(88.7))) and torch.isinf(torch.exp(torch.tensor(88.73)))
    assert abs(math.log(finfo.max) - 88.72) < 0.01


def test_grid_vae_keeps_a_7x7_grid_and_round_trips_a_checkpoint(tmp_path, small):
    model = GridVAE(z_channels=2, channels=8)
    mu, logvar = model.encode(small.test_images[:4])
    assert mu.shape == logvar.shape == (4, 98) and model.z_dim == 98
    assert model.decode(mu).shape == (4, 784) and model.sample(3).shape == (3, 784)
    history = fit(model, small, epochs=1, beta=0.1, progress=False, checkpoint=tmp_path / "grid.pt")
    loaded, _ = load_checkpoint(tmp_path / "grid.pt")
    assert isinstance(loaded, GridVAE) and loaded.config == {"z_channels": 2, "channels": 8}
    torch.testing.assert_close(loaded.encode(small.test_images[:4])[0], model.encode(small.test_images[:4])[0])
    assert history["beta"] == [0.1]
