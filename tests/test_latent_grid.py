"""Grids over a 2-D latent space and the hole fraction of a set of codes."""
import pytest
import torch
from torch.distributions import Normal

from vae_course import VAE
from vae_course.latent_grid import decode_grid, grid_points, hole_fraction, nearest_distance


def test_grid_points_are_in_image_order():
    z = grid_points(torch.tensor([-1.0, 0.0, 1.0]), torch.tensor([2.0, -2.0]))
    assert z.tolist() == [[-1, 2], [0, 2], [1, 2], [-1, -2], [0, -2], [1, -2]]


def test_grid_matches_plot_manifold_layout():
    """The same points, in the same order, as vae_course.plots.plot_manifold decodes."""
    values = Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, 4))
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
    expected = torch.stack([z1.flatten(), z2.flatten()], 1)
    assert torch.equal(grid_points(values, values.flip(0)), expected)


def test_decode_grid_gives_pixel_means_without_gradients():
    torch.manual_seed(0)
    model = VAE(h_dim=16, z_dim=2)
    values = torch.linspace(-2, 2, 5)
    images = decode_grid(model.decode, values, values.flip(0))
    assert images.shape == (25, 784) and not images.requires_grad
    assert torch.allclose(images, torch.sigmoid(model.decode(grid_points(values, values.flip(0)))))
    assert 0 <= images.min() and images.max() <= 1


def test_one_point_grid():
    assert grid_points(torch.tensor([0.5]), torch.tensor([-0.5])).tolist() == [[0.5, -0.5]]


@pytest.mark.parametrize("z1, z2, error, match", [
    (torch.zeros(2, 2), torch.zeros(2), ValueError, "1-D tensor"),
    (torch.tensor([]), torch.zeros(2), ValueError, "non-empty"),
    (torch.tensor([0.0, float("nan")]), torch.zeros(2), ValueError, "NaN"),
    ([0.0, 1.0], torch.zeros(2), TypeError, "torch.Tensor"),
    (torch.arange(3), torch.zeros(2), TypeError, "floating-point"),
])
def test_grid_points_rejects_bad_values(z1, z2, error, match):
    with pytest.raises(error, match=match):
        grid_points(z1, z2)


def test_decode_grid_needs_a_function():
    with pytest.raises(TypeError, match="decode must be a function"):
        decode_grid("decoder", torch.zeros(2), torch.zeros(2))


def test_nearest_distance_and_hole_fraction():
    codes = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [10.0, 1.0], [5.0, 0.0]])
    assert torch.allclose(nearest_distance(points, codes), torch.tensor([0.0, 5.0, 1.0, 5.0]))
    assert hole_fraction(points, codes, radius=2.0) == 0.5
    assert hole_fraction(points, codes, radius=0.0) == 0.75
    assert hole_fraction(points, codes, radius=100.0) == 0.0


def exact_nearest(points, codes):
    """The reference: every difference squared and summed in float64, then rounded once to float32."""
    differences = points.double()[:, None, :] - codes.double()[None, :, :]
    return differences.pow(2).sum(-1).sqrt().min(1).values.float()


@pytest.mark.parametrize("chunk", [7, 256, 1000])
def test_distances_match_an_exact_reference_in_any_chunk_size(chunk):
    g = torch.Generator().manual_seed(0)
    points, codes = torch.randn(1000, 2, generator=g), torch.randn(3000, 2, generator=g)
    expected = exact_nearest(points, codes)
    got = nearest_distance(points, codes, chunk=chunk)
    torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-7)  # float32 rounding, not 1e-4
    assert torch.equal(got, nearest_distance(points, codes, chunk=1000 - chunk + 1))


def test_any_dimension_and_a_single_code():
    assert hole_fraction(torch.zeros(3, 5), torch.ones(1, 5), radius=2.0) == 1.0
    assert hole_fraction(torch.zeros(3, 5), torch.ones(1, 5), radius=3.0) == 0.0


@pytest.mark.parametrize("points, codes, radius, error, match", [
    (torch.zeros(3, 2), torch.zeros(4, 3), 1.0, ValueError, r"shape \(N, 3\)"),
    (torch.zeros(2), torch.zeros(4, 2), 1.0, ValueError, "without a batch axis"),
    (torch.zeros(3, 2), torch.zeros(4), 1.0, ValueError, r"shape \(N, d\)"),
    (torch.zeros(3, 2), torch.zeros(4, 2), -1.0, ValueError, "non-negative"),
    (torch.zeros(3, 2), torch.zeros(4, 2), float("nan"), ValueError, "non-negative"),
    (torch.zeros(0, 2), torch.zeros(4, 2), 1.0, ValueError, "empty batch"),
])
def test_hole_fraction_rejects_bad_input(points, codes, radius, error, match):
    with pytest.raises(error, match=match):
        hole_fraction(points, codes, radius)
