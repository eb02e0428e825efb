"""Evaluating a trained VAE on a whole split."""
from __future__ import annotations

import torch

from .losses import bernoulli_reconstruction, kl_divergence

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
    for x, _ in data.batches(batch_size, split=split, shuffle=False):
        mu, logvar = model.encode(x)
        z = model.reparameterize(mu, logvar, generator)
        total["rec"] += bernoulli_reconstruction(model.decode(z), x).sum().item()
        total["kl"] += kl_divergence(mu, logvar).sum().item()
        n += len(x)
    model.train(was_training)
    rec, kl = total["rec"] / n, total["kl"] / n
    return {"rec": rec, "kl": kl, "elbo": -(rec + kl)}
