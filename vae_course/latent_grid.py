"""Two-dimensional latent spaces: grids of points to decode, and how well codes cover a region.

A picture of a 2-D latent space decodes a grid of points and lays the images out like the
plane itself: row i, column j shows z = (z1_values[j], z2_values[i]). Give `z2_values`
from the largest down, so that up in the picture is up in z2.

`hole_fraction` measures the "holes" of a latent space: the share of points (grid points,
or samples from the distribution you would generate from) that lie farther than a radius
from every code of the training data, where the decoder was never trained.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from .validate import as_tensor, batch_of_vectors, non_negative, positive_int


def _values(name: str, values) -> Tensor:
    values = as_tensor(name, values)
    if values.dim() != 1 or values.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D tensor of coordinates, got shape {tuple(values.shape)}.")
    if not torch.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return values


def grid_points(z1_values: Tensor, z2_values: Tensor) -> Tensor:
    """Every (z1, z2) pair as a (len(z2_values) * len(z1_values), 2) tensor, in image order.

    Row by row: the first len(z1_values) points have z2 = z2_values[0] and z1 running
    through z1_values, then the next row, and so on.
    """
    z1, z2 = _values("z1_values", z1_values), _values("z2_values", z2_values)
    if z1.device != z2.device:
        raise RuntimeError(f"z1_values is on {z1.device} but z2_values on {z2.device}; put both on one device.")
    rows, cols = torch.meshgrid(z2, z1.to(z2.dtype), indexing="ij")
    return torch.stack([cols.reshape(-1), rows.reshape(-1)], dim=1)


@torch.no_grad()
def decode_grid(decode: Callable[[Tensor], Tensor], z1_values: Tensor, z2_values: Tensor) -> Tensor:
    """Pixel means sigmoid(decode(z)) at every point of `grid_points`, one row per point.

    `decode` maps latent points (N, 2) to Bernoulli logits, e.g. `VAE.decode` or an
    autoencoder's decoder network. `show_images(images, nrow=len(z1_values))` draws the plane.
    """
    if not callable(decode):
        raise TypeError(f"decode must be a function or network that maps z to logits, got {type(decode).__name__}.")
    return torch.sigmoid(decode(grid_points(z1_values, z2_values)))


@torch.no_grad()
def nearest_distance(points: Tensor, codes: Tensor, chunk: int = 256) -> Tensor:
    """Euclidean distance from each point to its nearest code, shape (len(points),).

    Works through `points` in chunks, so that 60,000 codes need little memory.
    """
    codes = as_tensor("codes", codes)
    if codes.dim() != 2 or codes.shape[1] == 0:
        raise ValueError(f"codes must be a batch of latent vectors, shape (N, d); got shape {tuple(codes.shape)}.")
    codes = batch_of_vectors("codes", codes, codes.shape[1])
    points = batch_of_vectors("points", points, codes.shape[1])
    if points.device != codes.device:
        raise RuntimeError(f"points are on {points.device} but codes on {codes.device}; put both on one device.")
    positive_int("chunk", chunk)
    codes = codes.to(points.dtype)
    # cdist's default matrix-multiply formula loses small distances to rounding (about 1e-4 relative in
    # float32 on some CPUs, and differently per chunk size); the direct formula is exact to float rounding.
    return torch.cat([torch.cdist(part, codes, compute_mode="donot_use_mm_for_euclid_dist").amin(dim=1)
                      for part in points.split(chunk)])


def hole_fraction(points: Tensor, codes: Tensor, radius: float) -> float:
    """The fraction of `points` farther than `radius` from every code: 0 = all covered, 1 = all in holes."""
    radius = non_negative("radius", radius)
    return (nearest_distance(points, codes) > radius).float().mean().item()
