"""Choosing a device and making runs reproducible."""
from __future__ import annotations

import os
import random

import numpy as np
import torch

_HOW_TO_GET = {
    "cuda": "In Colab: Runtime > Change runtime type > GPU. Locally: install a CUDA build of PyTorch.",
    "mps": "MPS needs an Apple-silicon Mac with a PyTorch build that supports it.",
}


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return True


def get_device(name: str | torch.device | None = None) -> torch.device:
    """Return `name` as a torch.device, or the best one present (CUDA, then MPS, then CPU).

    Raises RuntimeError when the requested device is absent, and ValueError for a name
    PyTorch does not know.
    """
    if name is None:
        for kind in ("cuda", "mps"):
            if _available(kind):
                return torch.device(kind)
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device={name!r} is not a device name; use 'cpu', 'cuda', 'cuda:0' or 'mps'.") from err
    if not _available(device.type):
        raise RuntimeError(
            f"device={name!r} was requested, but {device.type.upper()} is not available on this machine. "
            f"{_HOW_TO_GET.get(device.type, '')} Or call get_device() to use what is available."
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise RuntimeError(f"device={name!r}: only {torch.cuda.device_count()} CUDA device(s) are visible.")
    return device


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch and ask PyTorch for deterministic kernels.

    On the CPU two runs with the same seed then give bit-identical results. On CUDA,
    cuBLAS also needs CUBLAS_WORKSPACE_CONFIG, which this sets if it is unset; a few
    CUDA kernels have no deterministic version and only warn.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}.")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
