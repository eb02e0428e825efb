"""Checks for the exercises of the chapter "VAEs today"."""
from __future__ import annotations

import math

import torch

from ..diffusion import NoiseSchedule
from ..pixels import discretized_logistic_nll
from ._core import Case, Verdict, check_function, reference_cases


def _per_pixel_log_prob(levels, mean, log_scale):
    """log P(level) of every pixel under the package's discretized logistic, in float64, shaped like `levels`."""
    flat = [t.reshape(-1, 1).double() for t in (mean, log_scale)]
    return -discretized_logistic_nll(*flat, levels.reshape(-1, 1)).reshape(levels.shape)


def _logistic_cases() -> list[Case]:
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


def discretized_logistic(answer) -> Verdict:
    """Exercise today/discretized-logistic: log P(level) of every pixel under a discretized logistic."""
    return check_function(
        "today/discretized-logistic", answer, _logistic_cases(),
        hint="수준 k의 중심은 c = k/255, 구간은 c ± 1/510이고, 수준 0은 그 아래 전부를, 255는 그 위 전부를 가집니다. "
             "a = (c + 1/510 − mean)/s, b = (c − 1/510 − mean)/s로 두면 log(σ(a) − σ(b)) = "
             "logsigmoid(a) + logsigmoid(−b) + log(−expm1(b − a))이고, 수준 0은 logsigmoid(a), 255는 logsigmoid(−b)입니다. "
             "torch.where로 셋을 고르세요. "
             "· Level k sits at c = k/255 and owns c ± 1/510; level 0 also owns everything below, 255 everything "
             "above. With a = (c + 1/510 − mean)/s and b = (c − 1/510 − mean)/s, log(σ(a) − σ(b)) = "
             "logsigmoid(a) + logsigmoid(−b) + log(−expm1(b − a)); level 0 gets logsigmoid(a), level 255 "
             "logsigmoid(−b). Pick among the three with torch.where.")


def _sigma_cases() -> list[Case]:
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


def optimal_sigma(answer) -> Verdict:
    """Exercise today/optimal-sigma: the shared σ that minimizes the Gaussian negative log-likelihood."""
    return check_function(
        "today/optimal-sigma", answer, _sigma_cases(),
        hint="‖x − mean‖²/(2σ²) + (D/2) log(2πσ²)을 σ²에 대해 미분해 0으로 두면 σ² = ‖x − mean‖²/D입니다. 배치 전체의 "
             "모든 픽셀에 대한 제곱 오차의 평균을 구하고 그 제곱근을 돌려주세요(이미지마다가 아니라 전체에 하나). "
             "· Setting the derivative of ‖x − mean‖²/(2σ²) + (D/2) log(2πσ²) with respect to σ² to 0 gives "
             "σ² = ‖x − mean‖²/D. Average the squared error over every pixel of the whole batch (one value, not one "
             "per image) and return its square root.")


def _noising_cases() -> list[Case]:
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


def forward_noising(answer) -> Verdict:
    """Exercise today/forward-noising: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε in one step."""
    return check_function(
        "today/forward-noising", answer, _noising_cases(),
        hint="단계 t는 1부터 셉니다: ᾱ_t는 alpha_bars[t - 1]입니다. 이미지마다 t가 다르므로 alpha_bars[t - 1]을 "
             "(N, 1) 모양으로 바꿔 x0의 각 행에 곱하세요. "
             "· Steps count from 1: ᾱ_t is alpha_bars[t - 1]. Every example has its own t, so reshape "
             "alpha_bars[t - 1] to (N, 1) before multiplying the rows of x0.")
