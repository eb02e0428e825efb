"""Likelihoods for 8-bit pixels: the discretized logistic and uniform dequantization.

An 8-bit pixel takes one of the 256 levels 0, 1, …, 255. A model of such images is a distribution over
those levels; its negative log-probability, in bits per pixel, is what papers compare. Binary
cross-entropy on gray levels scaled to [0, 1] is none of these (book: the evaluation chapter).
Like `losses`, each function returns one value per image, in nats.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .validate import as_tensor, eight_bit, unit_interval

LEVELS = 256


def to_levels(x: Tensor) -> Tensor:
    """The 8-bit levels (int64) of images stored as level/255 in [0, 1], like `load_mnist`'s gray levels."""
    x = unit_interval("x", as_tensor("x", x))
    levels = x * (LEVELS - 1)
    if (levels - levels.round()).abs().max() > 1e-3:
        raise ValueError("x is not a set of 8-bit images scaled by 1/255 (some values are not multiples of 1/255): "
                         "dequantized or otherwise continuous images have no 8-bit levels to recover.")
    return levels.round().long()


def discretized_logistic_nll(mean: Tensor, log_scale: Tensor, levels: Tensor) -> Tensor:
    """−log P(levels) under a discretized logistic per pixel, summed over pixels: (N,) nats.

    Level k ∈ 0..255 sits at c = k/255 and owns the interval [c − h, c + h], h = 1/510, of a logistic
    density with location `mean` and scale exp(`log_scale`) (both on the [0, 1] pixel scale); level 0 also
    owns everything below, level 255 everything above, so the 256 probabilities sum to 1
    (Salimans et al. 2017). With a = (c + h − mean)/s and b = (c − h − mean)/s,
    log(σ(a) − σ(b)) = log σ(a) + log σ(−b) + log(1 − e^(b − a)), which stays finite where σ(a) − σ(b) underflows.
    """
    as_tensor("mean", mean)
    as_tensor("log_scale", log_scale)
    levels = eight_bit("levels", levels).to(mean.dtype)
    if not (mean.shape == log_scale.shape and levels.numel() == mean.numel() and levels.shape[0] == mean.shape[0]):
        raise ValueError(f"mean {tuple(mean.shape)}, log_scale {tuple(log_scale.shape)} and levels "
                         f"{tuple(levels.shape)} must describe the same pixels (one mean and one log-scale per pixel).")
    levels = levels.reshape(mean.shape)
    inv_scale = torch.exp(-log_scale)
    centered = levels / (LEVELS - 1) - mean
    half = 0.5 / (LEVELS - 1)
    upper, lower = (centered + half) * inv_scale, (centered - half) * inv_scale
    log_below_upper = F.logsigmoid(upper)   # log P(pixel ≤ c + h): level 0's probability
    log_above_lower = F.logsigmoid(-lower)  # log P(pixel ≥ c − h): level 255's probability
    log_inside = log_below_upper + log_above_lower + torch.log(-torch.expm1(lower - upper))
    log_p = torch.where(levels == 0, log_below_upper, torch.where(levels == LEVELS - 1, log_above_lower, log_inside))
    return -log_p.flatten(1).sum(1)


def dequantize(levels: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Uniform dequantization: y = (k + u)/256 with u ~ U[0, 1) per pixel, continuous values in [0, 1).

    For any density p on y, log P(k) ≥ E_u[log p(y)] − D log 256 (Theis et al. 2016): a density's
    negative log-likelihood on dequantized pixels, plus D log 256, bounds the 8-bit one from above.
    """
    levels = eight_bit("levels", levels)
    u = torch.rand(levels.shape, generator=generator, device=levels.device, dtype=levels.dtype)
    return (levels + u) / LEVELS


def dequantization_offset(dims: int = 784) -> float:
    """D log 256: the nats to add to a density's −log p(y) on dequantized pixels to bound the 8-bit −log P(k)."""
    return dims * math.log(LEVELS)
