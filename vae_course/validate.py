"""Argument checks shared by the package: each error names the argument and what arrived."""
from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor


def _describe(x: Tensor) -> str:
    return f"shape {tuple(x.shape)}, dtype {x.dtype}, device {x.device}"


def as_tensor(name: str, x) -> Tensor:
    """Return `x` if it is a floating-point tensor, else raise a TypeError that says what to do."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}.")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got {x.dtype} ({_describe(x)}). "
            f"Convert pixels with x.float() / 255 and latent codes with .float()."
        )
    return x


def batch_of_vectors(name: str, x, dim: int) -> Tensor:
    """Check a batch of `dim`-vectors and return it as (N, dim).

    Accepts (N, dim), or images (N, 28, 28) / (N, 1, 28, 28) whose pixels number `dim`.
    """
    x = as_tensor(name, x)
    if x.dim() == 1 and x.numel() == dim:
        raise ValueError(f"{name} has {_describe(x)}: one example without a batch axis. Use {name}.unsqueeze(0).")
    if x.dim() < 2 or x.shape[1:].numel() != dim:
        raise ValueError(f"{name} must hold {dim} values per example, shape (N, {dim}); got {_describe(x)}.")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch ({_describe(x)}); pass at least one example.")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values ({_describe(x)}).")
    return x.reshape(x.shape[0], dim)


def unit_interval(name: str, x: Tensor) -> Tensor:
    """Check that every value lies in [0, 1], as a Bernoulli decoder's targets must."""
    low, high = x.min().item(), x.max().item()
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} must lie in [0, 1] for a Bernoulli decoder; got values in [{low:g}, {high:g}]. "
            f"Divide 0-255 pixels by 255, and do not normalize with a mean and std."
        )
    return x


def eight_bit(name: str, levels) -> Tensor:
    """Check that `levels` holds 8-bit pixel levels, whole numbers in 0..255 (any dtype); return them as float."""
    if not isinstance(levels, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of 8-bit pixel levels 0..255, got {type(levels).__name__}.")
    if levels.dtype == torch.bool or levels.is_complex():
        raise TypeError(f"{name} must hold 8-bit pixel levels 0..255, got dtype {levels.dtype}.")
    levels = levels.to(torch.get_default_dtype()) if not levels.is_floating_point() else levels
    if levels.numel() and not torch.isfinite(levels).all():
        raise ValueError(f"{name} contains NaN or infinite values; 8-bit pixel levels are whole numbers 0..255.")
    if levels.numel() and (levels.min() < 0 or levels.max() > 255):
        raise ValueError(f"{name} must lie in 0..255 (8-bit pixel levels); got values in "
                         f"[{levels.min().item():g}, {levels.max().item():g}]. Images scaled to [0, 1] become levels "
                         f"with to_levels(x).")
    if (levels != levels.round()).any():
        raise ValueError(f"{name} must be whole numbers 0..255 (8-bit pixel levels), but some are not integers. "
                         f"Images scaled to [0, 1] become levels with to_levels(x); do not pass dequantized values.")
    return levels


def same_device(name: str, x: Tensor, device: torch.device) -> None:
    """Raise if `x` is not on `device` (the model's)."""
    if x.device != device:
        raise RuntimeError(
            f"{name} is on {x.device} but the model is on {device}; move one of them, e.g. {name}.to({str(device)!r})."
        )


def positive_int(name: str, value) -> int:
    """Return `value` if it is an int ≥ 1 (not a bool), else raise a ValueError that names the argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return value


def positive_number(name: str, value) -> float:
    """Return `value` as a float if it is a finite number > 0 (not a bool), else raise a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}.")
    return float(value)


def non_negative(name: str, value, what: str = "a non-negative number") -> float:
    """Return `value` as a float if it is a finite number ≥ 0 (not a bool), else raise a ValueError: "`name` must be `what`"."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return float(value)


def indices(name: str, t, n: int, low: int = 0, examples: int | None = None) -> Tensor:
    """Return `t` as int64, the dtype PyTorch indexes with, if it is an integer tensor whose values lie in
    low..low + n − 1 (labels, codes, steps) and, given `examples`, holds one per example; else raise."""
    one_each = "" if examples is None else f" of shape ({examples},), one per example"
    if (not isinstance(t, Tensor) or t.is_floating_point() or t.is_complex() or t.dtype == torch.bool
            or (examples is not None and t.shape != (examples,))):
        got = f"a {t.dtype} tensor of shape {tuple(t.shape)}" if isinstance(t, Tensor) else type(t).__name__
        raise ValueError(f"{name} must be an integer tensor{one_each}, got {got}.")
    if t.numel() and (t.min() < low or t.max() >= low + n):
        raise ValueError(f"{name} must lie in {low}..{low + n - 1}, got values in {t.min().item()}..{t.max().item()}.")
    return t.long()


def same_shape(name: str, x: Tensor, other_name: str, other: Tensor) -> None:
    """Raise a ValueError if the tensors `x` and `other` differ in shape."""
    if x.shape != other.shape:
        raise ValueError(f"{name} {tuple(x.shape)} and {other_name} {tuple(other.shape)} must have the same shape.")


class LogVarianceOverflow(ValueError, FloatingPointError):
    """A log-variance beyond ±LOGVAR_LIMIT: the encoder has diverged (fit treats it as divergence)."""


# exp(88.7) is the largest float32 exp (3.4e38) and exp(-87.3) the smallest normal float32 (1.2e-38):
# a |log σ²| beyond 80 is finite but only a few nats from both limits, so it means the encoder diverged.
LOGVAR_LIMIT = 80.0


def check_logvar_bound(worst: float, where: str = "") -> None:
    """Raise LogVarianceOverflow if the largest |log σ²| seen (`where`, e.g. ' in epoch 3') exceeds LOGVAR_LIMIT."""
    if worst > LOGVAR_LIMIT:
        raise LogVarianceOverflow(
            f"logvar reaches {worst:.3g}{where}; |log σ²| > {LOGVAR_LIMIT:g} is within a few nats of where exp "
            f"overflows in float32 (about 88.7). The encoder has diverged: lower the learning rate or check the input scaling."
        )


def bounded_logvar(logvar: Tensor) -> Tensor:
    """Raise LogVarianceOverflow if |log σ²| exceeds LOGVAR_LIMIT, close to where exp overflows in float32."""
    check_logvar_bound(logvar.detach().abs().max().item() if logvar.numel() else 0.0)
    return logvar
