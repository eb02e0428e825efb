"""Checks for the exercises of the chapter "VAEs today"."""
from __future__ import annotations

import math

import torch

from ..diffusion import NoiseSchedule
from ..pixels import discretized_logistic_nll
from ._core import Case, exercise, reference_cases


def _per_pixel_log_prob(levels, mean, log_scale):
    """log P(level) of every pixel under the package's discretized logistic, in float64, shaped like `levels`."""
    flat = [t.reshape(-1, 1).double() for t in (mean, log_scale)]
    return -discretized_logistic_nll(*flat, levels.reshape(-1, 1)).reshape(levels.shape)


@exercise("today/discretized-logistic")
def discretized_logistic() -> list[Case]:
    """The log-probability log P(level) of every pixel under a discretized logistic."""
    g = torch.Generator().manual_seed(0)

    def inputs(shape, low=-4.0, high=-1.0):
        levels = torch.randint(0, 256, shape, generator=g)
        mean = torch.rand(shape, generator=g)
        return levels, mean, torch.empty(shape).uniform_(low, high, generator=g)

    edges = torch.tensor([[0, 255, 0, 255]]), torch.tensor([[0.0, 1.0, 0.8, 0.1]])
    far = torch.tensor([[30, 200]]), torch.tensor([[0.9, 0.05]])
    values = [("이미지 4장, 픽셀 784개 · 4 images of 784 pixels", inputs((4, 784))),
              ("가장자리 수준 0과 255 · the edge levels 0 and 255", (*edges, torch.full((1, 4), -3.0))),
              ("아주 좁은 분포, 수준에서 먼 평균 · a very narrow distribution far from the level",
               (*far, torch.full((1, 2), -7.0))),
              ("넓은 분포 · a wide distribution", inputs((2, 10), 0.0, 2.0))]
    return reference_cases(_per_pixel_log_prob, values, atol=1e-4, rtol=1e-4)  # float32 inputs, a float64 reference


@exercise("today/optimal-sigma")
def optimal_sigma() -> list[Case]:
    """The shared σ that minimizes the Gaussian negative log-likelihood."""
    g = torch.Generator().manual_seed(1)
    x = torch.rand(16, 784, generator=g)
    values = [("이미지 16장 · 16 images", (x.clamp(0, 1), (x + 0.1 * torch.randn(16, 784, generator=g)).clamp(0, 1))),
              ("이미지 1장 · a single image", (x[:1], torch.zeros(1, 784))),
              ("28×28 모양의 이미지 · images shaped 28×28",
               (x[:4].reshape(4, 28, 28), x[4:8].reshape(4, 28, 28))),
              ("float64, 오차가 아주 작음 · float64, tiny errors",
               (x[:3].double(), x[:3].double() + 1e-4 * torch.randn(3, 784, generator=g)))]
    return reference_cases(lambda mean, images: math.sqrt((images.double() - mean.double()).pow(2).mean().item()),
                           values, atol=1e-7, rtol=1e-5)


@exercise("today/forward-noising")
def forward_noising() -> list[Case]:
    """The noised x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, in one step."""
    g = torch.Generator().manual_seed(2)
    schedule, short = NoiseSchedule(), NoiseSchedule(steps=10, beta_end=0.2)

    def case(about, schedule, n, dim, t=None):
        t = torch.randint(1, schedule.steps + 1, (n,), generator=g) if t is None else t
        x0, noise = torch.randn(n, dim, generator=g), torch.randn(n, dim, generator=g)
        return Case(about, (x0, t, noise, schedule.alpha_bars.float()), schedule.add_noise(x0, t, noise), atol=1e-5)

    return [case("배치 8, 차원 196, 섞인 t · batch of 8, 196 dimensions, mixed t", schedule, 8, 196),
            case("t = 1 (잡음이 가장 적음) · t = 1 (the least noise)", schedule, 3, 5, torch.ones(3, dtype=torch.long)),
            case("t = T = 1000 · t = T = 1000", schedule, 3, 5, torch.full((3,), 1000)),
            case("10단계 스케줄 · a 10-step schedule", short, 4, 2)]
