"""Denoising diffusion (DDPM, Ho et al. 2020) on vectors: small enough to train in a VAE's latent space on a CPU.

The forward process adds Gaussian noise in T steps, q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I), so that
q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) with ᾱ_t = Π_{s ≤ t} (1 − β_s). A network ε_θ(x_t, t) learns to
predict the noise; sampling runs the process backwards from x_T ~ N(0, I). Steps t count from 1 to T.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .validate import as_tensor, batch_of_vectors, indices, positive_int, same_shape


class NoiseSchedule:
    """β_1 … β_T spaced linearly from `beta_start` to `beta_end` (Ho et al.: 10⁻⁴ to 0.02 over T = 1,000 steps)."""

    def __init__(self, steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02):
        positive_int("steps", steps)
        if not 0 < beta_start <= beta_end < 1:
            raise ValueError(f"the betas must satisfy 0 < beta_start <= beta_end < 1, got {beta_start!r} and {beta_end!r}.")
        self.betas = torch.linspace(beta_start, beta_end, steps, dtype=torch.float64)
        self.alpha_bars = torch.cumprod(1 - self.betas, 0)

    @property
    def steps(self) -> int:
        return len(self.betas)

    def _at(self, values: Tensor, t: Tensor, like: Tensor) -> Tensor:
        """values[t − 1] for every example, shaped to broadcast over `like`'s other axes."""
        return values.to(like.device)[t - 1].to(like.dtype).reshape(-1, *[1] * (like.dim() - 1))

    def add_noise(self, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: a draw from q(x_t | x_0) in one step, given ε ~ N(0, I)."""
        as_tensor("x0", x0)
        same_shape("noise", as_tensor("noise", noise), "x0", x0)
        t = indices("t", t, self.steps, low=1, examples=len(x0))
        alpha_bar = self._at(self.alpha_bars, t, x0)
        return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise

    def denoise_step(self, x_t: Tensor, t: Tensor, predicted_noise: Tensor, z: Tensor) -> Tensor:
        """x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) · ε̂)/√(1 − β_t) + σ_t z with σ_t² = β_t (no noise added at t = 1)."""
        t = indices("t", t, self.steps, low=1, examples=len(x_t))
        beta, alpha_bar = self._at(self.betas, t, x_t), self._at(self.alpha_bars, t, x_t)
        mean = (x_t - beta / (1 - alpha_bar).sqrt() * predicted_noise) / (1 - beta).sqrt()
        return mean + (t > 1).reshape_as(beta) * beta.sqrt() * z


def time_embedding(t: Tensor, dim: int = 128) -> Tensor:
    """Sinusoidal features of the step t (Vaswani et al. 2017; Ho et al. 2020): (N, dim)."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * frequencies
    return torch.cat([angles.sin(), angles.cos()], 1)


class Denoiser(nn.Module):
    """ε_θ(x_t, t) for vectors of `dim` values: an MLP with residual blocks, the step added to every block."""

    def __init__(self, dim: int, hidden: int = 512, depth: int = 3, embed: int = 128):
        super().__init__()
        self.dim, self.embed = positive_int("dim", dim), positive_int("embed", embed)
        hidden = positive_int("hidden", hidden)
        self.input = nn.Linear(dim, hidden)
        self.time = nn.Sequential(nn.Linear(embed, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(hidden), nn.SiLU(), nn.Linear(hidden, hidden))
                                    for _ in range(positive_int("depth", depth)))
        self.output = nn.Sequential(nn.LayerNorm(hidden), nn.SiLU(), nn.Linear(hidden, dim))

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        time = self.time(time_embedding(t, self.embed))
        h = self.input(x_t)
        for block in self.blocks:
            h = h + block(h + time)
        return self.output(h)


def ddpm_loss(denoiser: nn.Module, schedule: NoiseSchedule, x0: Tensor,
              generator: torch.Generator | None = None) -> Tensor:
    """Ho et al.'s simplified objective, ‖ε − ε_θ(x_t, t)‖² with t ~ U{1, …, T} and ε ~ N(0, I), per example (N,)."""
    x0 = batch_of_vectors("x0", x0, denoiser.dim)
    t = torch.randint(1, schedule.steps + 1, (len(x0),), generator=generator, device=x0.device)
    noise = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
    return (noise - denoiser(schedule.add_noise(x0, t, noise), t)).pow(2).sum(1)


@torch.no_grad()
def ddpm_sample(denoiser: nn.Module, schedule: NoiseSchedule, n: int,
                generator: torch.Generator | None = None) -> Tensor:
    """n draws by ancestral sampling: x_T ~ N(0, I), then `denoise_step` for t = T, …, 1. Returns x_0, (n, dim)."""
    device = next(denoiser.parameters()).device
    x = torch.randn(positive_int("n", n), denoiser.dim, generator=generator, device=device)
    for step in range(schedule.steps, 0, -1):
        t = torch.full((n,), step, device=device, dtype=torch.long)
        z = torch.randn(x.shape, generator=generator, device=device)
        x = schedule.denoise_step(x, t, denoiser(x, t), z)
    return x
