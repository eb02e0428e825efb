"""DDPM: the one-step forward noising against the T-step chain, the sampler with an exact denoiser, errors."""
import pytest
import torch
from torch import nn

from vae_course.diffusion import Denoiser, NoiseSchedule, ddpm_loss, ddpm_sample, time_embedding


def test_alpha_bar_is_the_product_of_the_one_step_factors():
    schedule = NoiseSchedule()
    mean_factor, variance = torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for t, beta in enumerate(schedule.betas, 1):  # x_t = √(1 − β_t) x_{t−1} + √β_t ε_t, step by step
        mean_factor, variance = (1 - beta).sqrt() * mean_factor, (1 - beta) * variance + beta
        if t in (1, 10, 500, 1000):
            torch.testing.assert_close(mean_factor**2, schedule.alpha_bars[t - 1])
            torch.testing.assert_close(variance, 1 - schedule.alpha_bars[t - 1])
    assert schedule.alpha_bars[-1] < 1e-4  # x_T is almost pure noise, as sampling from N(0, I) assumes


def test_one_step_noising_matches_simulating_the_chain():
    schedule, g = NoiseSchedule(steps=50, beta_end=0.1), torch.Generator().manual_seed(0)
    x0 = torch.tensor([2.0, -1.0]).repeat(40_000, 1)
    x = x0.clone()
    for beta in schedule.betas.float():
        x = (1 - beta).sqrt() * x + beta.sqrt() * torch.randn(x.shape, generator=g)
    t = torch.full((len(x0),), 50)
    direct = schedule.add_noise(x0, t, torch.randn(x0.shape, generator=g))
    torch.testing.assert_close(x.mean(0), direct.mean(0), atol=0.02, rtol=0)
    torch.testing.assert_close(x.var(0), direct.var(0), atol=0.03, rtol=0)


class ExactDenoiser(nn.Module):
    """E[ε | x_t] when x_0 ~ N(m, s² I): with x_t = a x_0 + b ε, it is b (x_t − a m) / (a² s² + b²)."""

    def __init__(self, schedule, m, s, dim=3):
        super().__init__()
        self.dim, self.schedule, self.m, self.s = dim, schedule, m, s
        self.anchor = nn.Parameter(torch.zeros(()))  # ddpm_sample finds the device from the parameters

    def forward(self, x_t, t):
        alpha_bar = self.schedule.alpha_bars[t - 1].float()[:, None]
        a, b = alpha_bar.sqrt(), (1 - alpha_bar).sqrt()
        return b * (x_t - a * self.m) / (a**2 * self.s**2 + b**2)


def test_sampling_with_the_exact_denoiser_recovers_the_data_distribution():
    schedule = NoiseSchedule(steps=100, beta_end=0.1)
    samples = ddpm_sample(ExactDenoiser(schedule, 1.5, 0.5), schedule, 10_000, torch.Generator().manual_seed(0))
    assert samples.shape == (10_000, 3)
    torch.testing.assert_close(samples.mean(0), torch.full((3,), 1.5), atol=0.02, rtol=0)
    torch.testing.assert_close(samples.std(0), torch.full((3,), 0.5), atol=0.02, rtol=0)


def test_the_loss_is_the_squared_error_of_the_predicted_noise():
    schedule, denoiser, x0 = NoiseSchedule(steps=100), Denoiser(4, hidden=16, depth=1), torch.randn(8, 4)
    loss = ddpm_loss(denoiser, schedule, x0, torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    t = torch.randint(1, 101, (8,), generator=g)
    noise = torch.randn(8, 4, generator=g)
    alpha_bar = schedule.alpha_bars[t - 1].float()[:, None]
    x_t = alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise
    torch.testing.assert_close(loss, (noise - denoiser(x_t, t)).pow(2).sum(1))


def test_a_denoiser_learns_a_two_point_distribution():
    torch.manual_seed(0)
    schedule, denoiser = NoiseSchedule(steps=50, beta_end=0.2), Denoiser(2, hidden=32, depth=1, embed=16)
    data = torch.tensor([[1.0, 1.0], [-1.0, -1.0]]).repeat(128, 1)
    optimizer = torch.optim.Adam(denoiser.parameters(), lr=3e-3)
    for _ in range(400):
        loss = ddpm_loss(denoiser, schedule, data).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    samples = ddpm_sample(denoiser, schedule, 500, torch.Generator().manual_seed(0))
    nearest = torch.cdist(samples, data[:2]).min(1).values
    assert (nearest < 0.3).float().mean() > 0.9  # most samples land on one of the two points


def test_time_embedding_and_denoiser_shapes():
    assert time_embedding(torch.tensor([1, 500, 1000]), 16).shape == (3, 16)
    assert Denoiser(196)(torch.randn(5, 196), torch.randint(1, 1001, (5,))).shape == (5, 196)


@pytest.mark.parametrize("t, match", [(torch.tensor([0, 1]), r"1\.\.1000.*0\.\.1"),
                                      (torch.tensor([1, 1001]), r"1\.\.1000"),
                                      (torch.tensor([1.0, 2.0]), "t must be an integer tensor"),
                                      (torch.tensor([1]), r"shape \(2,\)")])
def test_bad_steps_are_explained(t, match):
    with pytest.raises(ValueError, match=match):
        NoiseSchedule().add_noise(torch.zeros(2, 3), t, torch.zeros(2, 3))


@pytest.mark.parametrize("start, end", [(0.0, 0.02), (0.03, 0.02), (1e-4, 1.0)])
def test_bad_betas_are_explained(start, end):
    with pytest.raises(ValueError, match="0 < beta_start <= beta_end < 1"):
        NoiseSchedule(beta_start=start, beta_end=end)


def test_noise_of_the_wrong_shape_is_explained():
    with pytest.raises(ValueError, match=r"noise \(2, 4\) and x0 \(2, 3\) must have the same shape"):
        NoiseSchedule().add_noise(torch.zeros(2, 3), torch.tensor([1, 2]), torch.zeros(2, 4))
