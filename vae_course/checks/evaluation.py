"""Checks for the exercises of the chapter "Evaluating a VAE honestly"."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..models import VAE
from ._core import Case, describe_crash, exercise, reference_cases


# Exercise evaluation/iwae-logsumexp ---------------------------------------------------------------------

def _reference_iwae(log_w):
    return torch.logsumexp(log_w, 0) - math.log(log_w.shape[0])


@exercise("evaluation/iwae-logsumexp")
def iwae_estimate() -> list[Case]:
    """The estimate log (1/k) Σᵢ exp(log wᵢ) over dim 0 of a (k, N) tensor, computed stably."""
    g = torch.Generator().manual_seed(0)

    def around(center, k, n, spread=3.0, dtype=torch.float32):
        return (center + spread * torch.randn(k, n, generator=g, dtype=torch.float64)).to(dtype)

    cases = [("k = 100, 이미지 8장, 로그 가중치 -90 근처 · k = 100, 8 images, log-weights around -90", around(-90.0, 100, 8)),
             ("k = 1: ELBO의 표본 하나 · k = 1: a single-sample ELBO", around(-95.0, 1, 6)),
             ("이미지 1장, k = 50 · a single image, k = 50", around(-88.0, 50, 1)),
             ("아주 작은 로그 가중치 (-1000 근처, exp는 0으로 언더플로) · "
              "huge negative log-weights (around -1000: exp underflows to 0)", around(-1000.0, 20, 4)),
             ("큰 양의 로그 가중치 (+500 근처, exp는 오버플로) · "
              "large positive log-weights (around +500: exp overflows)", around(500.0, 20, 4)),
             ("가중치가 모두 같을 때 · all weights equal", torch.full((7, 3), -100.0)),
             ("float64, k = 1,000 · float64, k = 1,000", around(-120.0, 1000, 5, dtype=torch.float64))]
    return [Case(about, (log_w,), _reference_iwae(log_w), atol=1e-3, rtol=1e-5) for about, log_w in cases]


# Exercise evaluation/sampled-elbo ----------------------------------------------------------------------

def _reference_elbo(model, x, eps):
    mu, logvar = model.encode(x)
    z = mu + torch.exp(0.5 * logvar) * eps
    rec = F.binary_cross_entropy_with_logits(model.decode(z), x, reduction="none").sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    return -(rec + kl)


def _small_model(seed: int, logvar_bias: float | None = None) -> VAE:
    """A 784-64-8 VAE with weights drawn from its own generator (the global random state is left alone)."""
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # nn.Linear's own initialization draws from the global generator
        model = VAE(x_dim=784, h_dim=64, z_dim=8)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        if logvar_bias is not None:
            model.to_logvar.weight.zero_()
            model.to_logvar.bias.fill_(logvar_bias)
    return model.eval()


def _without_grad(answer):
    """`answer` run with autograd off, as the ELBO is only evaluated here."""
    def run(*args):
        with torch.no_grad():
            return answer(*args)
    return run


@exercise("evaluation/sampled-elbo", run=_without_grad)
def elbo_estimate() -> list[Case]:
    """The single-sample ELBO per example, with z = μ + σ ⊙ ε from the given ε."""
    g = torch.Generator().manual_seed(3)

    def images(n):
        return torch.bernoulli(torch.full((n, 784), 0.2), generator=g)

    def eps(n):
        return torch.randn(n, 8, generator=g)

    same = images(1).repeat(6, 1)
    inputs = [("무작위 ε, 배치 16 · random ε, batch of 16", _small_model(0), images(16), eps(16)),
              ("배치 크기 1 · batch size 1", _small_model(1), images(1), eps(1)),
              ("같은 이미지 6장, ε는 저마다 다름 · the same image six times, a different ε each", _small_model(2), same, eps(6)),
              ("ε = 0 (z = μ) · ε = 0 (z = μ)", _small_model(0), images(4), torch.zeros(4, 8)),
              ("분산이 거의 0인 인코더 (log σ² = -20) · an encoder with near-zero variance (log σ² = -20)",
               _small_model(4, logvar_bias=-20.0), images(5), eps(5)),
              ("분산이 큰 인코더 (log σ² = 3) · an encoder with a large variance (log σ² = 3)",
               _small_model(5, logvar_bias=3.0), images(5), eps(5))]
    with torch.no_grad():
        return [Case(about, (model, x, e), _reference_elbo(model, x, e), atol=1e-3, rtol=1e-5)
                for about, model, x, e in inputs]


# Exercise evaluation/binary-likelihood -----------------------------------------------------------------

def _reference_log_likelihood(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)


def _refusal_problem(answer):
    """`answer` made to return what is wrong in its reply to non-binary x (None when it raises a ValueError)."""
    def run(logits, x):
        try:
            answer(logits, x)
        except ValueError:
            return None
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001 - a crash of the answer is reported, never raised
            return f"{describe_crash(err)}; ValueError를 내야 합니다 · it should raise a ValueError"
        return ("이진이 아닌 x에 값을 돌려주었습니다: ValueError를 내야 합니다 · "
                "returned a value for non-binary x: it should raise a ValueError")
    return run


@exercise("evaluation/binary-likelihood", then=(_refusal_problem, lambda problem, case: problem))
def binary_log_likelihood() -> tuple[list[Case], list[Case]]:
    """The log-likelihood log p(x|z) of a Bernoulli decoder, refusing x that is not binary."""
    g = torch.Generator().manual_seed(4)

    def binary(n, d=784, p=0.2, dtype=torch.float32):
        return torch.bernoulli(torch.full((n, d), p, dtype=dtype), generator=g)

    def logits(n, d=784, scale=3.0, dtype=torch.float32):
        return scale * torch.randn(n, d, generator=g, dtype=dtype)

    values = [("이진 이미지 8장 · 8 binary images", (logits(8), binary(8))),
              ("배치 크기 1 · batch size 1", (logits(1), binary(1))),
              ("로짓이 모두 0: -784 ln 2 · all logits 0: -784 ln 2", (torch.zeros(3, 784), binary(3))),
              ("아주 큰 로짓 (±200) · very large logits (±200)", (200.0 * torch.sign(logits(4)), binary(4))),
              ("float64 · float64", (logits(3, dtype=torch.float64), binary(3, dtype=torch.float64)))]
    value_cases = reference_cases(_reference_log_likelihood, values, atol=1e-3, rtol=1e-5)

    grey = torch.rand(4, 784, generator=g)
    one_pixel = binary(2)
    one_pixel[1, 300] = 0.5
    refusals = [("회색조 픽셀은 거부 · gray pixels are refused", (logits(4), grey)),
                ("픽셀 하나만 0.5여도 거부 · refused even if a single pixel is 0.5", (logits(2), one_pixel)),
                ("배치 크기 1, 회색조 · batch size 1, gray", (logits(1), torch.full((1, 784), 0.3)))]
    return value_cases, [Case(about, args, None) for about, args in refusals]
