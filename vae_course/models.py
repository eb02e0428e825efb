"""The multilayer-perceptron VAE of Kingma & Welling (2014) and the PyTorch examples."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .validate import as_tensor, batch_of_vectors, bounded_logvar, same_device


class VAE(nn.Module):
    """Gaussian encoder q(z|x) and Bernoulli decoder p(x|z), one hidden layer each.

    Sizes default to 784-400-20: `x_dim` pixels, `h_dim` hidden units, `z_dim` latent
    dimensions. `encode` gives (μ, log σ²), `decode` gives Bernoulli logits; both check
    their input, while `_encode` / `_decode` skip the checks for the training loop,
    whose data were checked once when loaded.
    """

    def __init__(self, x_dim: int = 784, h_dim: int = 400, z_dim: int = 20):
        super().__init__()
        for name, value in (("x_dim", x_dim), ("h_dim", h_dim), ("z_dim", z_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}.")
        self.x_dim, self.h_dim, self.z_dim = x_dim, h_dim, z_dim
        self.encoder = nn.Sequential(nn.Linear(x_dim, h_dim), nn.ReLU())
        self.to_mu = nn.Linear(h_dim, z_dim)
        self.to_logvar = nn.Linear(h_dim, z_dim)
        self.decoder = nn.Sequential(nn.Linear(z_dim, h_dim), nn.ReLU(), nn.Linear(h_dim, x_dim))

    @property
    def device(self) -> torch.device:
        return self.to_mu.weight.device

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Parameters of q(z|x): mean μ and log-variance log σ², each (N, z_dim)."""
        same_device("x", as_tensor("x", x), self.device)
        return self._encode(batch_of_vectors("x", x, self.x_dim))

    def _encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    @staticmethod
    def reparameterize(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Sample z = μ + σ ⊙ ε with ε ~ N(0, I) and σ = exp(½ log σ²), differentiable in μ and log σ²."""
        if mu.shape != logvar.shape:
            raise ValueError(f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must have the same shape.")
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * bounded_logvar(logvar)) * eps

    def decode(self, z: Tensor) -> Tensor:
        """Bernoulli logits of p(x|z), (N, x_dim); torch.sigmoid turns them into pixel means."""
        same_device("z", as_tensor("z", z), self.device)
        return self._decode(batch_of_vectors("z", z, self.z_dim))

    def _decode(self, z: Tensor) -> Tensor:
        return self.decoder(z)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Return (logits, μ, log σ²) for one reparameterized sample z per example."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Decode `n` draws from the prior N(0, I) into pixel means, (n, x_dim)."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}.")
        z = torch.randn(n, self.z_dim, generator=generator, device=self.device)
        return torch.sigmoid(self.decode(z))

    @torch.no_grad()
    def reconstruct(self, x: Tensor) -> Tensor:
        """Pixel means of p(x|z) at z = μ(x): the model's reconstruction of `x`."""
        mu, _ = self.encode(x)
        return torch.sigmoid(self.decode(mu))
