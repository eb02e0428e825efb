"""The terms of the ELBO, in nats, per example.

Every function returns one value per example: sums over pixels and latent dimensions.
Averaging over the batch happens only in `vae_loss`, the number an optimizer minimizes.
The public functions check their input; `_bernoulli_reconstruction`, `_kl_divergence` and `_log_weights`,
the same quantities unchecked, serve the package's inner loops (training, the IWAE estimate, the checks' reference).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .validate import (as_tensor, batch_of_vectors, bounded_logvar, non_negative, positive_int, same_device, same_shape,
                       unit_interval)


def _pair(logits_name: str, logits: Tensor, x) -> Tensor:
    as_tensor(logits_name, logits)
    x = as_tensor("x", x)
    if x.shape[0] != logits.shape[0] or x.shape[1:].numel() != logits.shape[1:].numel():
        raise ValueError(f"x {tuple(x.shape)} does not match {logits_name} {tuple(logits.shape)}.")
    return x.reshape(logits.shape)


def bernoulli_reconstruction(logits: Tensor, x: Tensor) -> Tensor:
    """−log p(x|z) of a Bernoulli decoder: binary cross-entropy with logits, summed over pixels.

    `x` must lie in [0, 1]. On binary pixels this is a true negative log-likelihood;
    on gray levels it is the usual surrogate, not a normalized likelihood.
    """
    x = unit_interval("x", _pair("logits", logits, x))
    return _bernoulli_reconstruction(logits, x)


def _bernoulli_reconstruction(logits: Tensor, x: Tensor) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_reconstruction(mean: Tensor, x: Tensor, sigma: float | Tensor = 1.0) -> Tensor:
    """−log N(x; mean, σ² I), summed over pixels: ‖x − mean‖²/(2σ²) + D/2 · log(2πσ²).

    `sigma` is one standard deviation shared by all pixels: a number, or a one-element tensor that
    can be learned (the σ-VAE of Rybkin et al. 2021), whose best value is the root mean squared error.
    """
    if isinstance(sigma, Tensor):
        if sigma.numel() != 1 or not sigma.is_floating_point():
            raise ValueError(f"sigma must be one shared standard deviation (a number or a one-element float tensor), "
                             f"got a {sigma.dtype} tensor of shape {tuple(sigma.shape)}.")
        if not sigma.detach() > 0:
            raise ValueError(f"sigma must be positive, got {sigma.item()!r}; learn log σ and pass its exp().")
    elif not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}.")
    x = _pair("mean", mean, x)
    d = x.shape[1:].numel()
    variance = torch.as_tensor(sigma, dtype=mean.dtype, device=mean.device).reshape(()) ** 2
    return (x - mean).pow(2).flatten(1).sum(1) / (2 * variance) + 0.5 * d * torch.log(2 * math.pi * variance)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²), summed over latent dimensions."""
    same_shape("mu", as_tensor("mu", mu), "logvar", as_tensor("logvar", logvar))
    return _kl_divergence(mu, bounded_logvar(logvar))


def _kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    return _kl_per_dimension(mu, logvar).flatten(1).sum(1)


def _kl_per_dimension(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ_u, σ_u²) ‖ N(0, 1)) for every example and latent dimension, unchecked."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)


def elbo(model, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Single-sample estimate of the ELBO, E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), in nats per example.

    A lower bound on log p(x) when `x` is binary and the decoder Bernoulli.
    """
    mu, logvar = model.encode(x)
    z = model.reparameterize(mu, logvar, generator)
    return -(bernoulli_reconstruction(model.decode(z), x) + kl_divergence(mu, logvar))


def _log_weights(model, x: Tensor, y: Tensor | None, k: int,
                 generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """For `k` draws z ~ q(z|x) per example: log p(x|z) and log q(z|x) − log p(z), each (k, N).

    Their difference is the log importance weight log p(x, z)/q(z|x); `x` is (N, x_dim), checked before.
    """
    z, log_ratio, _ = model._posterior_sample(x, y, k, generator)
    labels = None if y is None else y.repeat(k)
    logits = model._decode(z.flatten(0, 1), labels)
    return -_bernoulli_reconstruction(logits, x.repeat(k, 1)).view(k, len(x)), log_ratio


def iwae_bound(model, x: Tensor, k: int = 5, y: Tensor | None = None,
               generator: torch.Generator | None = None) -> Tensor:
    """The importance-weighted bound L_k = log (1/k) Σᵢ p(x, zᵢ)/q(zᵢ|x), zᵢ ~ q(z|x), per example (Burda et al. 2015).

    Differentiable, to train on (`fit(..., k=k)` maximizes its mean). L_1 is the single-sample ELBO;
    E[L_k] rises with k toward log p(x). `x` must be binary for it to bound a log-likelihood.
    """
    positive_int("k", k)
    same_device("x", as_tensor("x", x), model.device)
    x = unit_interval("x", batch_of_vectors("x", x, model.x_dim))
    log_px_z, log_ratio = _log_weights(model, x, model._labels(y, len(x)), k, generator)
    return torch.logsumexp(log_px_z - log_ratio, 0) - math.log(k)


def free_bits_kl(mu: Tensor, logvar: Tensor, bits: float) -> Tensor:
    """The KL term with free bits (Kingma et al. 2016): Σ_u max(λ, mean over the batch of KL_u), λ = `bits` nats.

    A dimension whose average KL is below λ costs a constant λ, so nothing pushes it all the way
    to the prior. Returns one number for the batch: use it in place of the mean KL.
    """
    non_negative("bits", bits, "a non-negative number of nats per dimension")
    as_tensor("mu", mu)
    as_tensor("logvar", logvar)
    if mu.shape != logvar.shape or mu.dim() != 2:
        raise ValueError(f"mu {tuple(mu.shape)} and logvar {tuple(logvar.shape)} must both be (batch, z_dim).")
    return _kl_per_dimension(mu, bounded_logvar(logvar)).mean(0).clamp(min=bits).sum()


def vae_loss(logits: Tensor, x: Tensor, mu: Tensor, logvar: Tensor, beta: float = 1.0) -> Tensor:
    """The training loss: mean over the batch of reconstruction + β · KL (β = 1 gives −ELBO)."""
    non_negative("beta", beta)
    return (bernoulli_reconstruction(logits, x) + beta * kl_divergence(mu, logvar)).mean()
