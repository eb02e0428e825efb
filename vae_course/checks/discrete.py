"""Checks for the exercises of the chapter "Discrete latents and the VQ-VAE"."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..discrete import perplexity
from ._core import Case, Verdict, check_function, reference_cases


def _gumbel_cases() -> list[Case]:
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


def gumbel_max(answer) -> Verdict:
    """Exercise discrete/gumbel-max: a categorical sample from its logits and uniform noise u, by the Gumbel-max trick."""
    return check_function(
        "discrete/gumbel-max", answer, _gumbel_cases(),
        hint="u ~ U(0, 1)에서 표준 검벨 잡음은 g = -log(-log u)입니다. 로짓마다 잡음을 하나씩 더하고, 마지막 축에서 "
             "가장 큰 값의 위치를 정수로 돌려주세요. softmax는 필요 없습니다. "
             "· Standard Gumbel noise from u ~ U(0, 1) is g = -log(-log u). Add one to every logit and return the "
             "position of the largest value along the last axis, as integers; no softmax is needed.")


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


def _straight_through_cases() -> list[Case]:
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


def straight_through(answer) -> Verdict:
    """Exercise discrete/straight-through: a one-hot forward pass whose gradient is that of the soft sample."""
    return check_function(
        "discrete/straight-through", _straight_through_run(answer) if callable(answer) else answer,
        _straight_through_cases(),
        hint="순전파에서는 원-핫 벡터 hard가, 역전파에서는 soft의 기울기가 나와야 합니다. detach()를 쓰면 한 줄로 됩니다: "
             "값은 hard와 같고 기울기는 soft와 같은 식을 찾아보세요. "
             "· The forward pass must give the one-hot vector, the backward pass the gradient of soft. detach() "
             "does it in one line: find an expression whose value equals hard and whose gradient equals soft's.")


def _perplexity_cases() -> list[Case]:
    g = torch.Generator().manual_seed(2)
    values = [("7×7 코드 격자 32장, 코드 64개 · 32 grids of 7×7 codes, 64 codes", (torch.randint(64, (32, 7, 7), generator=g), 64)),
              ("모든 코드를 똑같이 씀 · every code used equally often", (torch.arange(16).repeat(5), 16)),
              ("코드 하나만 씀 · a single code used", (torch.full((4, 7, 7), 3), 64)),
              ("코드 64개 가운데 2개만 같은 비율로 씀 · 2 of 64 codes used, equally", (torch.tensor([[5, 9], [9, 5]]), 64)),
              ("int32 코드, 치우친 사용 · int32 codes, skewed usage",
               (torch.tensor([0] * 90 + [1] * 9 + [2], dtype=torch.int32), 8))]
    return reference_cases(perplexity, values, atol=1e-6, rtol=1e-5)


def codebook_perplexity(answer) -> Verdict:
    """Exercise discrete/perplexity: exp of the entropy of the codes' frequencies."""
    return check_function(
        "discrete/perplexity", answer, _perplexity_cases(),
        hint="torch.bincount(codes.flatten(), minlength=n_codes)로 코드마다 몇 번 나왔는지 세어 비율 p로 바꾸고, "
             "exp(-Σ p log p)를 파이썬 수로 돌려주세요. 한 번도 나오지 않은 코드는 0 log 0 = 0으로 셉니다. "
             "· Count how often each code occurs with torch.bincount(codes.flatten(), minlength=n_codes), turn the "
             "counts into frequencies p and return exp(-Σ p log p) as a Python number; codes that never occur count "
             "as 0 log 0 = 0.")
