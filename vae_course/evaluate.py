"""Evaluating a trained VAE: the ELBO over a split, importance-weighted log-likelihood, active units."""
from __future__ import annotations

import math

import torch
from torch.distributions import Normal

from .losses import _bernoulli_reconstruction, bernoulli_reconstruction, kl_divergence
from .validate import positive_int

EVAL_SEED = 0


@torch.no_grad()
def evaluate(model, data, split: str = "test", batch_size: int = 1000) -> dict[str, float]:
    """Mean reconstruction term, KL and ELBO (nats per example) over a split.

    One reparameterized sample per example, drawn with a fixed seed, so that two
    calls on the same model give the same numbers.
    """
    was_training = model.training
    model.eval()
    generator = torch.Generator(device=data.device).manual_seed(EVAL_SEED)
    total = {"rec": 0.0, "kl": 0.0}
    n = 0
    for x, labels in data.batches(batch_size, split=split, shuffle=False):
        y = labels if model.conditional else None
        mu, logvar = model.encode(x, y)
        z = model.reparameterize(mu, logvar, generator)
        total["rec"] += bernoulli_reconstruction(model.decode(z, y), x).sum().item()
        total["kl"] += kl_divergence(mu, logvar).sum().item()
        n += len(x)
    model.train(was_training)
    rec, kl = total["rec"] / n, total["kl"] / n
    return {"rec": rec, "kl": kl, "elbo": -(rec + kl)}


@torch.no_grad()
def log_likelihood(model, x: torch.Tensor, k: int = 5000, y: torch.Tensor | None = None, chunk: int = 250,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) in nats per example (Burda et al. 2015).

    log (1/k) Σᵢ p(x|zᵢ) p(zᵢ) / q(zᵢ|x) with zᵢ ~ q(z|x). For k = 1 it is the single-sample
    ELBO; its expectation rises with k and tends to log p(x). Samples are drawn `chunk`
    at a time to bound memory. `x` must be binary for this to be a log-likelihood.
    """
    positive_int("k", k)
    mu, logvar = model.encode(x, y)
    x = x.reshape(len(x), -1)
    q = Normal(mu, torch.exp(0.5 * logvar))
    prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    weights = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        eps = torch.randn((n, *mu.shape), generator=generator, device=mu.device)
        z = mu + q.scale * eps                                    # (n, N, z_dim)
        labels = None if y is None else y.repeat(n)
        logits = model._decode(z.reshape(-1, mu.shape[1]), labels).reshape(n, len(x), -1)
        log_px_z = -_bernoulli_reconstruction(logits.flatten(0, 1), x.repeat(n, 1)).reshape(n, len(x))
        weights.append(log_px_z + prior.log_prob(z).sum(-1) - q.log_prob(z).sum(-1))
    return torch.logsumexp(torch.cat(weights), 0) - math.log(k)


@torch.no_grad()
def active_units(model, data, threshold: float = 0.01, batch_size: int = 1000) -> tuple[int, torch.Tensor]:
    """Count latent dimensions u with Cov_x(E_q[z_u]) = Var_x(μ_u(x)) > threshold (Burda et al. 2015).

    Returns the count and the per-dimension variances over the test split. Inactive units
    carry no information about x: their q(z_u|x) is the prior whatever the image.
    """
    means = []
    for x, labels in data.batches(batch_size, split="test", shuffle=False):
        means.append(model.encode(x, labels if model.conditional else None)[0])
    variance = torch.cat(means).var(0)
    return int((variance > threshold).sum()), variance.cpu()


def bits_per_dim(nats: float | torch.Tensor, dims: int = 784):
    """Convert a negative log-likelihood in nats per image into bits per pixel: nats / (D · ln 2)."""
    return nats / (dims * math.log(2))
