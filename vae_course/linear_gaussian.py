"""A linear-Gaussian latent-variable model: the one model where log p(x), the posterior and the ELBO are exact.

    z ~ N(0, I_d),    x | z ~ N(W z + b, σ² I_D)

    p(x)     = N(b, W Wᵀ + σ² I_D)
    p(z | x) = N(Σ Wᵀ (x − b) / σ², Σ),    Σ = (I_d + Wᵀ W / σ²)⁻¹

It is a VAE with a linear decoder and a Gaussian likelihood (probabilistic PCA), small
enough to check the ELBO, its gap and its estimators against exact numbers. Use float64
tensors when you compare identities to many digits.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from .validate import as_tensor, batch_of_vectors, positive_int


class LinearGaussian:
    """z ~ N(0, I_d), x | z ~ N(W z + b, σ² I_D), with exact evidence, posterior and ELBO.

    `W` is (D, d), `b` is (D,) (zeros if None), `sigma` the noise standard deviation.
    Every method takes a batch `x` of shape (N, D) and returns one value per example.
    """

    def __init__(self, W: Tensor, b: Tensor | None = None, sigma: float = 1.0):
        W = as_tensor("W", W)
        if W.dim() != 2 or W.numel() == 0:
            raise ValueError(f"W must be a non-empty (D, d) matrix, got shape {tuple(W.shape)}.")
        b = torch.zeros(W.shape[0], dtype=W.dtype, device=W.device) if b is None else as_tensor("b", b)
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape (D,) = ({W.shape[0]},) to match W {tuple(W.shape)}, got {tuple(b.shape)}.")
        sigma = float(sigma)
        if not (sigma > 0 and math.isfinite(sigma)):
            raise ValueError(f"sigma is a standard deviation and must be positive and finite, got {sigma!r}.")
        self.W, self.b, self.sigma = W, b.to(W.dtype), sigma
        self.D, self.d = W.shape  # observed and latent dimensions

    def __repr__(self) -> str:
        return f"LinearGaussian(d={self.d}, D={self.D}, sigma={self.sigma:g}, dtype={self.W.dtype})"

    def _x(self, x) -> Tensor:
        return batch_of_vectors("x", x, self.D).to(self.W.dtype)

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Draw `n` pairs from the joint: (z of shape (n, d), x of shape (n, D))."""
        positive_int("n", n)
        options = {"generator": generator, "dtype": self.W.dtype, "device": self.W.device}
        z = torch.randn(n, self.d, **options)
        return z, z @ self.W.T + self.b + self.sigma * torch.randn(n, self.D, **options)

    def log_likelihood(self, x: Tensor, z: Tensor) -> Tensor:
        """log p(x | z) = log N(x; W z + b, σ² I), one value per row of `x` and `z`."""
        x, z = self._x(x), batch_of_vectors("z", z, self.d).to(self.W.dtype)
        r = x - z @ self.W.T - self.b
        return -0.5 * r.pow(2).sum(1) / self.sigma**2 - 0.5 * self.D * math.log(2 * math.pi * self.sigma**2)

    def log_evidence(self, x: Tensor) -> Tensor:
        """log p(x) = log N(x; b, W Wᵀ + σ² I), through a Cholesky factor of the covariance."""
        x = self._x(x)
        C = self.W @ self.W.T + self.sigma**2 * torch.eye(self.D, dtype=self.W.dtype, device=self.W.device)
        L = torch.linalg.cholesky(C)
        y = torch.linalg.solve_triangular(L, (x - self.b).T, upper=False)  # (D, N): L y = x − b
        return -0.5 * (y.pow(2).sum(0) + self.D * math.log(2 * math.pi)) - L.diagonal().log().sum()

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The exact posterior p(z | x) = N(mean, cov): mean (N, d) and cov (d, d), the same for every x."""
        x = self._x(x)
        precision = torch.eye(self.d, dtype=self.W.dtype, device=self.W.device) + self.W.T @ self.W / self.sigma**2
        cov = torch.cholesky_inverse(torch.linalg.cholesky(precision))
        return (x - self.b) @ self.W @ cov / self.sigma**2, cov

    def elbo(self, x: Tensor, mean: Tensor, cov: Tensor) -> Tensor:
        """The exact ELBO of q(z) = N(mean, cov): E_q[log p(x|z)] − KL(q ‖ p(z)), with no sampling.

        `mean` is (N, d); `cov` is one (d, d) covariance for all examples or (N, d, d), positive definite.
        For a diagonal q pass torch.diag_embed(variances).
        """
        x = self._x(x)
        mean = batch_of_vectors("mean", mean, self.d).to(self.W.dtype)
        cov = as_tensor("cov", cov).to(self.W.dtype)
        if cov.shape[-2:] != (self.d, self.d) or cov.dim() not in (2, 3) or (cov.dim() == 3 and len(cov) != len(x)):
            raise ValueError(f"cov must be ({self.d}, {self.d}) or ({len(x)}, {self.d}, {self.d}), got {tuple(cov.shape)}.")
        if len(mean) != len(x):
            raise ValueError(f"mean has {len(mean)} rows but x has {len(x)}.")
        L, info = torch.linalg.cholesky_ex(cov)
        if info.any():
            raise ValueError("cov must be symmetric positive definite (its Cholesky factorization failed).")
        logdet = 2 * L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace_cov = cov.diagonal(dim1=-2, dim2=-1).sum(-1)
        trace_wcw = (self.W @ cov @ self.W.T).diagonal(dim1=-2, dim2=-1).sum(-1)
        r = x - mean @ self.W.T - self.b
        expected_log_likelihood = (-0.5 * (r.pow(2).sum(1) + trace_wcw) / self.sigma**2
                                   - 0.5 * self.D * math.log(2 * math.pi * self.sigma**2))
        kl_to_prior = 0.5 * (trace_cov + mean.pow(2).sum(1) - self.d - logdet)
        return expected_log_likelihood - kl_to_prior
