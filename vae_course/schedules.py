"""Schedules as functions of the training step (1, 2, …): the KL weight `fit(beta=...)`, the learning rate `fit(lr=...)`."""
from __future__ import annotations

import math
from typing import Callable

from .validate import non_negative, positive_int, positive_number


def linear_warmup(steps: int, start: float = 0.0, end: float = 1.0) -> Callable[[int], float]:
    """β rising linearly from `start` to `end` over the first `steps` steps, then held at `end`.

    KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): the decoder first learns to
    reconstruct before the KL term pulls q(z|x) toward the prior.
    """
    positive_int("steps", steps)
    non_negative("start", start)
    non_negative("end", end)

    def beta(step: int) -> float:
        return start + (end - start) * min(step / steps, 1.0)

    return beta


def exponential_decay(steps: int, start: float = 1e-3, end: float = 1e-4) -> Callable[[int], float]:
    """A learning rate falling geometrically from `start` to `end` over `steps` steps, then held at `end`."""
    positive_int("steps", steps)
    log_start, log_end = math.log(positive_number("start", start)), math.log(positive_number("end", end))

    def lr(step: int) -> float:
        return math.exp(log_start + (log_end - log_start) * min(step / steps, 1.0))

    return lr
