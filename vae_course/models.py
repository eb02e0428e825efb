"""VAE models: the multilayer perceptron of Kingma & Welling (2014), a conditional and two convolutional ones,
and one whose posterior is a normalizing flow.

`BaseVAE` holds their interface: `encode` → (μ, log σ²), `reparameterize`, `decode` → Bernoulli logits,
`sample`, `reconstruct`; conditional models also take the digit labels `y`. Each model builds only its
layers (`encoder`, `to_mu`, `to_logvar`, `decoder`, in that order: seeded weights depend on it). The
public methods check their input, then call `_encode` / `_decode`, unchecked, which `fit` and
`log_likelihood` call directly on input checked once (the checks would add about 8% to a training step
on a CPU and 5 to 9 host-device waits on a GPU: bench/checks.py).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.distributions import Normal

from .validate import as_tensor, batch_of_vectors, bounded_logvar, indices, positive_int, same_device, same_shape


class BaseVAE(nn.Module):
    """The shared interface. A subclass passes its constructor arguments (`config`, each also an
    attribute), has `x_dim` and `z_dim`, and builds its layers."""

    conditional = False
    analytic_kl = True  # KL(q(z|x) ‖ p(z)) in closed form; False where q is not a diagonal Gaussian

    def __init__(self, **config: int):
        super().__init__()
        self.config = config  # stored in checkpoints
        for name, value in config.items():
            setattr(self, name, positive_int(name, value))

    @property
    def device(self) -> torch.device:
        return self.to_mu.weight.device

    def _labels(self, y, n: int) -> Tensor | None:
        """Check the labels `y` of `n` examples: an unconditional model takes none."""
        if y is not None:
            raise ValueError(f"{type(self).__name__} is not conditional: call it without labels y.")
        return None

    def encode(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Parameters of q(z|x): mean μ and log-variance log σ², each (N, z_dim)."""
        same_device("x", as_tensor("x", x), self.device)
        x = batch_of_vectors("x", x, self.x_dim)
        return self._encode(x, self._labels(y, len(x)))

    def _encode(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    @staticmethod
    def reparameterize(mu: Tensor, logvar: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Sample z = μ + σ ⊙ ε with ε ~ N(0, I) and σ = exp(½ log σ²), differentiable in μ and log σ²."""
        same_shape("mu", mu, "logvar", logvar)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * bounded_logvar(logvar)) * eps

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Bernoulli logits of p(x|z), (N, x_dim); torch.sigmoid turns them into pixel means."""
        same_device("z", as_tensor("z", z), self.device)
        z = batch_of_vectors("z", z, self.z_dim)
        return self._decode(z, self._labels(y, len(z)))

    def _decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.decoder(z)

    def _posterior_sample(self, x: Tensor, y: Tensor | None, k: int,
                          generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """`k` draws z ~ q(z|x) per example, (k, N, z_dim); log q(z|x) − log p(z) at each, (k, N);
        and log σ² of the Gaussian that q starts from, for the training loop's bound check."""
        mu, logvar = self._encode(x, y)
        z, log_q = _draw(mu, logvar, k, generator)
        return z, log_q - _log_prior(z), logvar

    def forward(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Return (logits, μ, log σ²) for one reparameterized sample z per example."""
        mu, logvar = self.encode(x, y)
        return self.decode(self.reparameterize(mu, logvar), y), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Decode `n` draws from the prior N(0, I) into pixel means, (n, x_dim)."""
        positive_int("n", n)
        z = torch.randn(n, self.z_dim, generator=generator, device=self.device)
        return torch.sigmoid(self.decode(z, y))

    @torch.no_grad()
    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Pixel means of p(x|z) at z = μ(x): the model's reconstruction of `x`."""
        mu, _ = self.encode(x, y)
        return torch.sigmoid(self.decode(mu, y))


def _draw(mu: Tensor, logvar: Tensor, k: int, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """`k` draws z ~ N(μ, diag σ²) per example, (k, N, d), and log N(z; μ, σ²) of each, (k, N)."""
    q = Normal(mu, torch.exp(0.5 * logvar))
    z = mu + q.scale * torch.randn((k, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype)
    return z, q.log_prob(z).sum(-1)


def _log_prior(z: Tensor) -> Tensor:
    """log N(z; 0, I), summed over the last axis."""
    return Normal(torch.zeros_like(z), torch.ones_like(z)).log_prob(z).sum(-1)


def _hidden(n_in: int, h_dim: int, layers: int) -> list[nn.Module]:
    """`layers` fully connected ReLU layers of `h_dim` units, the first taking `n_in` inputs."""
    return [m for i in range(layers) for m in (nn.Linear(n_in if i == 0 else h_dim, h_dim), nn.ReLU())]


def _mlp(x_dim: int, h_dim: int, z_dim: int, n_labels: int = 0, layers: int = 1) -> tuple[nn.Module, ...]:
    """Encoder, μ and log σ² heads and decoder of an MLP VAE with `layers` hidden layers on each side,
    whose encoder and decoder also take `n_labels` inputs."""
    return (nn.Sequential(*_hidden(x_dim + n_labels, h_dim, layers)),
            nn.Linear(h_dim, z_dim), nn.Linear(h_dim, z_dim),
            nn.Sequential(*_hidden(z_dim + n_labels, h_dim, layers), nn.Linear(h_dim, x_dim)))


class VAE(BaseVAE):
    """Gaussian encoder q(z|x) and Bernoulli decoder p(x|z), one hidden layer each.

    Sizes default to 784-400-20: `x_dim` pixels, `h_dim` hidden units, `z_dim` latent dimensions;
    `layers` hidden layers on each side (default one).
    """

    def __init__(self, x_dim: int = 784, h_dim: int = 400, z_dim: int = 20, layers: int = 1):
        super().__init__(x_dim=x_dim, h_dim=h_dim, z_dim=z_dim, layers=layers)
        self.encoder, self.to_mu, self.to_logvar, self.decoder = _mlp(x_dim, h_dim, z_dim, layers=layers)


class ConditionalVAE(BaseVAE):
    """A VAE conditioned on the digit label: q(z|x, y) and p(x|z, y), the label given one-hot to both."""

    conditional = True

    def __init__(self, x_dim: int = 784, h_dim: int = 400, z_dim: int = 20, n_classes: int = 10):
        super().__init__(x_dim=x_dim, h_dim=h_dim, z_dim=z_dim, n_classes=n_classes)
        self.encoder, self.to_mu, self.to_logvar, self.decoder = _mlp(x_dim, h_dim, z_dim, n_classes)

    def _labels(self, y, n: int) -> Tensor:
        """Check that `y` holds `n` integer labels in 0..n_classes − 1, on the model's device."""
        if isinstance(y, Tensor):
            same_device("y", y, self.device)
        return indices("y", y, self.n_classes, examples=n)

    def _one_hot(self, y: Tensor, like: Tensor) -> Tensor:
        return F.one_hot(y, self.n_classes).to(like.dtype)

    def _encode(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return super()._encode(torch.cat([x, self._one_hot(y, x)], 1))

    def _decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return super()._decode(torch.cat([z, self._one_hot(y, z)], 1))


def _down(c: int) -> list[nn.Module]:
    """28×28 images, flattened, to 2c feature maps of 7×7: two stride-2 convolutions."""
    return [nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU()]


def _up(c: int) -> list[nn.Module]:
    """2c feature maps of 7×7 to the logits of 28×28 pixels, flattened: two stride-2 transposed convolutions."""
    return [nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(c, 1, 4, 2, 1), nn.Flatten()]


class ConvVAE(BaseVAE):
    """A small convolutional VAE for 28×28 images: two stride-2 convolutions down, two transposed up."""

    x_dim = 784  # 28 × 28 pixels

    def __init__(self, h_dim: int = 256, z_dim: int = 20, channels: int = 32):
        super().__init__(h_dim=h_dim, z_dim=z_dim, channels=channels)
        c = channels
        self.encoder = nn.Sequential(*_down(c), nn.Flatten(), nn.Linear(2 * c * 49, h_dim), nn.ReLU())
        self.to_mu = nn.Linear(h_dim, z_dim)
        self.to_logvar = nn.Linear(h_dim, z_dim)
        self.decoder = nn.Sequential(nn.Linear(z_dim, h_dim), nn.ReLU(), nn.Linear(h_dim, 2 * c * 49), nn.ReLU(),
                                     nn.Unflatten(1, (2 * c, 7, 7)), *_up(c))


class GridVAE(BaseVAE):
    """A convolutional VAE whose latent variable is a grid of `z_channels` × 7 × 7 values, like the autoencoder
    of a latent diffusion model (Rombach et al. 2022): convolutions only, no fully connected bottleneck.

    `encode` and `decode` use the grid flattened to z_dim = 49 · z_channels values, so `fit`, `sample` and
    the losses work unchanged; `z.view(-1, z_channels, 7, 7)` gives the grid back.
    """

    x_dim = 784  # 28 × 28 pixels

    def __init__(self, z_channels: int = 4, channels: int = 32):
        super().__init__(z_channels=z_channels, channels=channels)
        self.z_dim = 49 * z_channels
        c = channels
        self.encoder = nn.Sequential(*_down(c))
        self.to_mu = nn.Conv2d(2 * c, z_channels, 3, padding=1)
        self.to_logvar = nn.Conv2d(2 * c, z_channels, 3, padding=1)
        self.decoder = nn.Sequential(nn.Unflatten(1, (z_channels, 7, 7)),
                                     nn.Conv2d(z_channels, 2 * c, 3, padding=1), nn.ReLU(), *_up(c))

    def _encode(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        h = self.encoder(x)
        return self.to_mu(h).flatten(1), self.to_logvar(h).flatten(1)


class Coupling(nn.Module):
    """One affine coupling step (Dinh et al. 2017), conditioned on the encoder's features `h`.

    The first ⌊d/2⌋ values `a` of z pass unchanged; the rest become b ⊙ exp(s) + t, with s (squashed into
    (−1, 1) by tanh) and t computed from a and h. The Jacobian is triangular: log |det ∂z′/∂z| = Σ s.
    `flip` reverses z before and after, so that alternate steps change the other values. The last layer
    starts at zero: an untrained step is the identity.
    """

    def __init__(self, z_dim: int, h_dim: int, hidden: int, flip: bool):
        super().__init__()
        self.flip, self.n_a = flip, z_dim // 2
        self.net = nn.Sequential(nn.Linear(self.n_a + h_dim, hidden), nn.ReLU(), nn.Linear(hidden, 2 * (z_dim - self.n_a)))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, z: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """(z′, log |det ∂z′/∂z|) for z (..., d) and features h (..., h_dim)."""
        z = z.flip(-1) if self.flip else z
        a, b = z[..., :self.n_a], z[..., self.n_a:]
        s, t = self.net(torch.cat([a, h], -1)).chunk(2, -1)
        s = torch.tanh(s)
        z = torch.cat([a, b * torch.exp(s) + t], -1)
        return (z.flip(-1) if self.flip else z), s.sum(-1)


class FlowVAE(BaseVAE):
    """A VAE whose q(z|x) is a normalizing flow: a diagonal Gaussian N(μ, σ²) (from `encode`) pushed through
    `flows` affine coupling steps that also see the encoder's features (Rezende & Mohamed 2015; Kingma et al. 2016).

    log q(z_K|x) = log N(z_0; μ, σ²) − Σ_k log |det ∂z_k/∂z_{k−1}|. There is no closed-form KL (`analytic_kl`
    is False): `fit`, `evaluate` and `log_likelihood` use samples. `flow_dim` is the coupling networks' width.
    """

    analytic_kl = False

    def __init__(self, x_dim: int = 784, h_dim: int = 400, z_dim: int = 20, flows: int = 4, flow_dim: int = 128):
        super().__init__(x_dim=x_dim, h_dim=h_dim, z_dim=z_dim, flows=flows, flow_dim=flow_dim)
        if z_dim < 2:
            raise ValueError(f"A coupling flow needs z_dim >= 2 to split z in two, got z_dim={z_dim}.")
        self.encoder, self.to_mu, self.to_logvar, self.decoder = _mlp(x_dim, h_dim, z_dim)
        self.flow = nn.ModuleList(Coupling(z_dim, h_dim, flow_dim, flip=i % 2 == 1) for i in range(flows))

    def _transform(self, z: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """z_K and Σ_k log |det| for z_0 (k, N, d) given the features h (N, h_dim)."""
        h = h.expand(*z.shape[:-1], -1)
        log_det = z.new_zeros(z.shape[:-1])
        for step in self.flow:
            z, step_log_det = step(z, h)
            log_det = log_det + step_log_det
        return z, log_det

    def _posterior_sample(self, x: Tensor, y: Tensor | None, k: int,
                          generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        h = self.encoder(x)
        mu, logvar = self.to_mu(h), self.to_logvar(h)
        z0, log_q0 = _draw(mu, logvar, k, generator)
        z, log_det = self._transform(z0, h)
        return z, log_q0 - log_det - _log_prior(z), logvar

    @torch.no_grad()
    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Pixel means of p(x|z) at z = the flow's image of μ(x)."""
        mu, _ = self.encode(x, y)
        z, _ = self._transform(mu[None], self.encoder(x.reshape(len(x), -1)))
        return torch.sigmoid(self._decode(z[0]))


MODELS = {cls.__name__: cls for cls in (VAE, ConditionalVAE, ConvVAE, GridVAE, FlowVAE)}
