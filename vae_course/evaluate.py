"""Evaluating a trained VAE: the ELBO over a split, importance-weighted log-likelihood, the best Gaussian
posterior per image, active units."""
from __future__ import annotations

import math

import torch

from .losses import _bernoulli_reconstruction, _kl_divergence, _log_weights, bernoulli_reconstruction, kl_divergence
from .validate import as_tensor, batch_of_vectors, positive_int, same_device, unit_interval

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
    rec = kl = n = 0
    for x, labels in data.batches(batch_size, split=split, shuffle=False):
        y = labels if model.conditional else None
        if model.analytic_kl:
            mu, logvar = model.encode(x, y)
            z = model.reparameterize(mu, logvar, generator)
            kl_x = kl_divergence(mu, logvar)
        else:  # a single-sample estimate of the KL: log q(z|x) − log p(z) at z ~ q(z|x)
            z, log_ratio, _ = model._posterior_sample(x.reshape(len(x), -1), y, 1, generator)
            z, kl_x = z[0], log_ratio[0]
        rec += bernoulli_reconstruction(model.decode(z, y), x).sum().item()
        kl += kl_x.sum().item()
        n += len(x)
    model.train(was_training)
    rec, kl = rec / n, kl / n
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
    same_device("x", as_tensor("x", x), model.device)
    x, y = batch_of_vectors("x", x, model.x_dim), model._labels(y, len(x))
    weights = []
    for start in range(0, k, chunk):
        log_px_z, log_ratio = _log_weights(model, x, y, min(chunk, k - start), generator)
        weights.append(log_px_z - log_ratio)
    return torch.logsumexp(torch.cat(weights), 0) - math.log(k)


def refine_posterior(model, x: torch.Tensor, steps: int = 1000, lr: float = 1e-2, samples: int = 10,
                     generator: torch.Generator | None = None,
                     start: tuple[torch.Tensor, torch.Tensor] | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """Fit a Gaussian N(μ, diag σ²) to each image's posterior, with the decoder fixed (Cremer et al. 2018).

    Starts from the encoder's (μ, log σ²), or from `start`, and maximizes each image's ELBO (`samples`
    reparameterized draws, closed-form KL) with Adam for `steps` steps. Returns the optimized μ and
    log σ², (N, z_dim), and the mean ELBO over the images at every step, to see that it has stopped
    improving. A local search: the ELBO of the result is a lower bound on the best any Gaussian q can
    reach; the encoder's shortfall from it, the amortization gap, is measured from below.
    """
    positive_int("steps", steps)
    positive_int("samples", samples)
    mu, logvar = model.encode(x)  # checks x
    if start is not None:
        if len(start) != 2 or start[0].shape != mu.shape or start[1].shape != mu.shape:
            raise ValueError(f"start must be (mu, logvar), each of shape {tuple(mu.shape)}.")
        mu, logvar = start
    x = unit_interval("x", x.reshape(len(x), -1))
    mu, logvar = mu.detach().clone().requires_grad_(), logvar.detach().clone().requires_grad_()
    optimizer, trace = torch.optim.Adam([mu, logvar], lr=lr), []
    with torch.enable_grad():
        for _ in range(steps):
            eps = torch.randn((samples, *mu.shape), generator=generator, device=mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps
            rec = _bernoulli_reconstruction(model._decode(z.flatten(0, 1)), x.repeat(samples, 1))
            elbo = -rec.view(samples, len(x)).mean(0) - _kl_divergence(mu, logvar)
            mu.grad, logvar.grad = torch.autograd.grad(-elbo.sum(), (mu, logvar))  # none for the decoder's weights
            optimizer.step()
            trace.append(elbo.mean().item())
    return mu.detach(), logvar.detach(), trace


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
