"""Figures draw without warnings (no missing Hangul glyphs) and reject wrong models."""
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")

from vae_course import VAE, fit, seed_everything  # noqa: E402
from vae_course.plots import (image_grid, plot_history, plot_latent, plot_manifold, show_images,  # noqa: E402
                              show_reconstructions)


@pytest.fixture(scope="module")
def trained(small):
    seed_everything(0)
    model = VAE(h_dim=64, z_dim=2)
    return model, fit(model, small, epochs=2, progress=False)


def test_figures_render_without_warnings(trained, small, tmp_path):
    model, history = trained
    x, y = small.test_images[:300], small.test_labels[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [show_images(x[:20]).figure, show_reconstructions(model, x), plot_history(history),
                   plot_latent(model, x, y).figure, plot_manifold(model, n=8).figure]
        for i, fig in enumerate(figures):
            fig.savefig(tmp_path / f"{i}.png")
    assert image_grid(x[:20], nrow=10).shape == (2 * 30 + 2, 10 * 30 + 2)


def test_two_dimensional_plots_need_z_dim_2(small):
    with pytest.raises(ValueError, match="z_dim=2, this one has z_dim=20"):
        plot_latent(VAE(), small.test_images[:10], small.test_labels[:10])
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        plot_manifold(VAE(z_dim=2), low=0.0)
