"""Schedules for the KL weight β, as functions of the training step (1, 2, …) for `fit(beta=...)`."""
from __future__ import annotations

from typing import Callable
from .validate import positive_int


def linear_warmup(steps: int, start: float = 0.0, end: float = 1.0) -> Callable[[int], float]:
    """β rising linearly from `start` to `end` over the first `steps` steps, then held at `end`.

    KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): the decoder first learns to
    reconstruct before the KL term pulls q(z|x) toward the prior.
    """
    positive_int("steps", steps)
    if start < 0 or end < 0:
        raise ValueError(f"start and end must be non-negative, got {start}, {end}.")

    def beta(step: int) -> float:
        return start + (end - start) * min(step / steps, 1.0)

    return beta
