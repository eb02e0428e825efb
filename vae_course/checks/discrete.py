"""Checks for the exercises of the chapter "Discrete latents and the VQ-VAE"."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..discrete import perplexity
from ._core import Case, exercise, reference_cases


@exercise("discrete/gumbel-max")
def gumbel_max() -> list[Case]:
    """A categorical sample from its logits and uniform noise u, by the Gumbel-max trick."""
    g = torch.Generator().manual_seed(0)

    def inputs(n, k, scale=1.0):
        return torch.randn(n, k, generator=g) * scale, torch.rand(n, k, generator=g).clamp(1e-6, 1 - 1e-6)

    masked_logits, masked_u = inputs(64, 4)
    masked_logits[:, 0] = -math.inf  # a class of probability 0
    masked_u[:, 0] = 1 - 1e-7        # with the largest noise there is: it must still never win
    extreme_u = torch.tensor([[1e-30, 0.5, 0.9], [0.5, 1e-30, 0.1], [0.3, 0.2, 1 - 1e-7]])
    values = [("배치 16, 범주 10개 · batch of 16, 10 classes", inputs(16, 10)),
              ("배치 크기 1 · batch size 1", inputs(1, 10)),
              ("로짓이 큼 (±50) · large logits (±50)", inputs(32, 6, 50.0)),
              ("확률이 0인 범주 (로짓 -inf) · a class of probability 0 (logit -inf)", (masked_logits, masked_u)),
              ("u가 0이나 1에 아주 가까움 · u very close to 0 or 1", (torch.zeros(3, 3), extreme_u))]
    return [Case(about, args, (args[0] - torch.log(-torch.log(args[1]))).argmax(-1)) for about, args in values]


class NoGradientPath(Exception):
    """The answer's output is a constant to autograd: nothing reaches the soft sample."""


def _straight_through_run(answer):
    """Run `answer` on a leaf copy of the soft sample; return (output, ∂Σ w ⊙ output / ∂soft) stacked."""
    def run(soft, weights):
        soft = soft.clone().requires_grad_(True)
        out = answer(soft)
        if not isinstance(out, torch.Tensor):
            return out
        if not out.requires_grad:
            raise NoGradientPath("출력에서 soft로 돌아가는 기울기 경로가 없습니다 · the output has no gradient path back to soft")
        (out * weights).sum().backward()
        grad = torch.zeros_like(soft) if soft.grad is None else soft.grad
        return torch.stack([out.detach(), grad])
    return run


@exercise("discrete/straight-through", run=_straight_through_run)
def straight_through() -> list[Case]:
    """A one-hot forward pass whose gradient is that of the soft sample."""
    g = torch.Generator().manual_seed(1)

    def inputs(n, k, sharp=1.0):
        soft = torch.softmax(torch.randn(n, k, generator=g) * sharp, -1)
        return soft, torch.randn(n, k, generator=g)

    values = [("배치 8, 범주 5개 · batch of 8, 5 classes", inputs(8, 5)),
              ("배치 크기 1 · batch size 1", inputs(1, 10)),
              ("거의 원-핫인 soft · an almost one-hot soft sample", inputs(6, 4, 30.0)),
              ("거의 균등한 soft · an almost uniform soft sample", inputs(6, 4, 0.01))]
    cases = []
    for about, (soft, weights) in values:
        hard = F.one_hot(soft.argmax(-1), soft.shape[-1]).to(soft.dtype)
        cases.append(Case(about, (soft, weights), torch.stack([hard, weights]), atol=1e-6))
    return cases


@exercise("discrete/perplexity")
def codebook_perplexity() -> list[Case]:
    """The perplexity of the codes: exp of the entropy of their frequencies."""
    g = torch.Generator().manual_seed(2)
    values = [("7×7 코드 격자 32장, 코드 64개 · 32 grids of 7×7 codes, 64 codes", (torch.randint(64, (32, 7, 7), generator=g), 64)),
              ("모든 코드를 똑같이 씀 · every code used equally often", (torch.arange(16).repeat(5), 16)),
              ("코드 하나만 씀 · a single code used", (torch.full((4, 7, 7), 3), 64)),
              ("코드 64개 가운데 2개만 같은 비율로 씀 · 2 of 64 codes used, equally", (torch.tensor([[5, 9], [9, 5]]), 64)),
              ("int32 코드, 치우친 사용 · int32 codes, skewed usage",
               (torch.tensor([0] * 90 + [1] * 9 + [2], dtype=torch.int32), 8))]
    return reference_cases(perplexity, values, atol=1e-6, rtol=1e-5)
