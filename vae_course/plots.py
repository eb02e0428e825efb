"""Figures of the course; text in Korean and English (NanumGothic renders both)."""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.distributions import Normal
from torchvision.utils import make_grid

from .latent_grid import decode_grid
from .validate import batch_of_vectors

with warnings.catch_warnings():  # koreanize-matplotlib still uses distutils' LooseVersion
    warnings.simplefilter("ignore", DeprecationWarning)
    import koreanize_matplotlib  # noqa: F401  sets NanumGothic, a font with Hangul glyphs


def image_grid(images: torch.Tensor, nrow: int = 10, padding: int = 2) -> torch.Tensor:
    """Tile (N, 784) or (N, 1, 28, 28) images in [0, 1] into one (H, W) CPU tensor."""
    images = batch_of_vectors("images", images, 784).detach().float().cpu().reshape(-1, 1, 28, 28)
    return make_grid(images, nrow=nrow, padding=padding, pad_value=1.0)[0]


def show_images(images: torch.Tensor, nrow: int = 10, title: str | None = None, ax=None, scale: float = 0.6):
    """Show images as a grid on `ax` (a new figure if None); returns the axes."""
    grid = image_grid(images, nrow)
    if ax is None:
        rows = -(-len(images) // nrow)
        _, ax = plt.subplots(figsize=(scale * min(nrow, len(images)), scale * rows + (0.4 if title else 0)))
    ax.imshow(grid.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_reconstructions(model, x: torch.Tensor, n: int = 10):
    """Originals (top) above their reconstructions at z = μ(x) (bottom); returns the figure."""
    x = batch_of_vectors("x", x, 784)[:n]
    fig, axes = plt.subplots(2, 1, figsize=(0.7 * len(x), 2.0))
    show_images(x, nrow=len(x), title="원본 · original", ax=axes[0])
    show_images(model.reconstruct(x), nrow=len(x), title="재구성 · reconstruction", ax=axes[1])
    fig.tight_layout()
    return fig


_PANELS = (("rec", r"재구성 오차 · reconstruction error $-\log p(x \mid z)$"),
           ("kl", r"$\mathrm{KL}(q(z \mid x) \,\|\, p(z))$"),
           ("elbo", "증거 하한 · ELBO"))


def plot_history(history):
    """Reconstruction, KL and ELBO per epoch: train mean with a ±1 std band over batches, and test."""
    epochs = range(1, len(history) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (key, title) in zip(axes, _PANELS):
        mean = np.array(history[f"train_{key}"])
        std = np.array(history[f"train_{key}_std"])
        ax.plot(epochs, mean, color="C0", label="학습 · train")
        ax.fill_between(epochs, mean - std, mean + std, color="C0", alpha=0.25, label="±1 표준편차 · std")
        ax.plot(epochs, history[f"test_{key}"], color="C1", linestyle="--", marker="o", markersize=3, label="테스트 · test")
        ax.set_title(title)
        ax.set_xlabel("에포크 · epoch")
        ax.set_ylabel("nats / 이미지 · image")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    return fig


@torch.no_grad()
def plot_latent(model, x: torch.Tensor, labels: torch.Tensor, ax=None):
    """Scatter the encoder means μ(x) of a 2-D latent space, colored by digit; returns the axes."""
    if model.z_dim != 2:
        raise ValueError(f"plot_latent needs a model with z_dim=2, this one has z_dim={model.z_dim}.")
    mu, _ = model.encode(x)
    mu, labels = mu.cpu().numpy(), labels.cpu().numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    points = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=4, alpha=0.7)
    plt.colorbar(points, ax=ax, ticks=range(10), label="숫자 · digit")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(f"잠재 공간의 μ(x), 이미지 {len(mu):,}장 · encoder means of {len(mu):,} images")
    return ax


@torch.no_grad()
def plot_manifold(model, n: int = 20, low: float = 0.05, high: float = 0.95, ax=None):
    """Decode an n×n grid of latent points at Normal quantiles in (low, high); returns the axes.

    Equal steps in probability, not in z, so the grid covers the prior evenly.
    """
    if model.z_dim != 2:
        raise ValueError(f"plot_manifold needs a model with z_dim=2, this one has z_dim={model.z_dim}.")
    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1, got low={low}, high={high}.")
    values = Normal(0.0, 1.0).icdf(torch.linspace(low, high, n)).to(model.device)
    images = decode_grid(model.decode, values, values.flip(0))  # top row = largest z2
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 7))
    show_images(images, nrow=n, ax=ax, title=f"{n}×{n} 매니폴드 · manifold over N(0, I) quantiles")
    return ax
