"""Checks for the exercises of the chapter "Building the VAE and its loss" (VAE와 손실 함수 만들기)."""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn

from ._core import Case, compare_tuple, exercise
from .training import loss_cases


# Exercise building/forward: the forward pass of the from-scratch model, with the noise given ---------

class _Scratch(nn.Module):
    """The from-scratch model of the chapter (fc1, fc21, fc22, fc3, fc4), its weights drawn from a seed.

    The weights come from a private generator, so building it leaves PyTorch's global random
    state alone: calling a check does not change what the notebook's later cells draw.
    """

    def __init__(self, x_dim: int, h_dim: int, z_dim: int, seed: int, logvar_shift: float = 0.0):
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # nn.Linear's own initialization draws from the global generator
            self.fc1 = nn.Linear(x_dim, h_dim)
            self.fc21 = nn.Linear(h_dim, z_dim)
            self.fc22 = nn.Linear(h_dim, z_dim)
            self.fc3 = nn.Linear(z_dim, h_dim)
            self.fc4 = nn.Linear(h_dim, x_dim)
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for layer in (self.fc1, self.fc21, self.fc22, self.fc3, self.fc4):
                bound = layer.in_features ** -0.5
                layer.weight.copy_((torch.rand(layer.weight.shape, generator=g) * 2 - 1) * bound)
                layer.bias.copy_((torch.rand(layer.bias.shape, generator=g) * 2 - 1) * bound)
            self.fc22.bias += logvar_shift


@torch.no_grad()
def _reference_forward(model: _Scratch, x: torch.Tensor, eps: torch.Tensor):
    h = F.relu(model.fc1(x.reshape(len(x), -1)))
    mu, logvar = model.fc21(h), model.fc22(h)
    z = mu + torch.exp(0.5 * logvar) * eps
    return model.fc4(F.relu(model.fc3(z))), mu, logvar


@exercise("building/forward", compare=compare_tuple("logits", "mu", "logvar", order=(1, 2, 0)))  # the encoder's first
def forward() -> list[Case]:
    """The outputs (logits, μ, log σ²) of the fc1/fc21/fc22/fc3/fc4 model for a given noise ε."""
    g = torch.Generator().manual_seed(2)
    cases = []

    def add(about, x_dim, h_dim, z_dim, n, images=False, zero_noise=False, logvar_shift=0.0, seed=0):
        model = _Scratch(x_dim, h_dim, z_dim, seed, logvar_shift)
        x = torch.bernoulli(torch.rand(n, x_dim, generator=g), generator=g)
        x = x.reshape(n, 1, 28, 28) if images else x
        eps = torch.zeros(n, z_dim) if zero_noise else torch.randn(n, z_dim, generator=g)
        cases.append(Case(about, (model, x, eps), _reference_forward(model, x, eps), atol=1e-4))

    add("784-400-20, 배치 16 · batch of 16", 784, 400, 20, 16)
    add("배치 크기 1 · batch size 1", 784, 400, 20, 1, seed=1)
    add("이미지 모양 (N, 1, 28, 28)으로 들어온 x · x given as images (N, 1, 28, 28)", 784, 400, 20, 4, images=True, seed=2)
    add("ε = 0이면 z = μ · with ε = 0, z = μ", 784, 400, 20, 3, zero_noise=True, seed=3)
    add("작은 모델 6-5-2 (784를 고정해 쓰지 않기) · a small 6-5-2 model (no hard-coded 784)", 6, 5, 2, 5, seed=4)
    add("큰 로그 분산 (log σ² ≈ 6) · large log-variance (log σ² ≈ 6)", 784, 400, 20, 4, logvar_shift=6.0, seed=5)
    return cases


# Exercise building/sum-over-pixels: the fix of the tutorial's pixel-mean loss ----------------------

@exercise("building/sum-over-pixels")
def sum_over_pixels() -> list[Case]:
    """BCE summed over pixels plus KL, averaged over the batch only."""
    return loss_cases(seed=3, n_binary=128, n_gray=16)
