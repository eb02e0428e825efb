"""Discrete latent variables: a categorical VAE trained with the Gumbel-softmax relaxation, the vector quantizer
of the VQ-VAE (van den Oord et al., 2017) and an autoregressive prior over its grid of codes.

Like `losses`, every loss here is one value per example (a sum over latent variables, positions and
dimensions); averaging over the batch is left to the training loop.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .losses import _bernoulli_reconstruction
from .validate import as_tensor, batch_of_vectors, indices, positive_int, positive_number


def kl_to_uniform(logits: Tensor) -> Tensor:
    """KL(q ‖ uniform) for categoricals q = softmax(logits) over the last axis, summed over the other axes but the first.

    Per variable it is Σ_k q_k log q_k + log K = log K − H(q): between 0 (q uniform) and log K (q one-hot).
    """
    as_tensor("logits", logits)
    if logits.dim() < 2:
        raise ValueError(f"logits must be (N, ..., K) with a batch axis first, got shape {tuple(logits.shape)}.")
    log_q = F.log_softmax(logits, -1)
    per_variable = (log_q.exp() * log_q).sum(-1) + math.log(logits.shape[-1])
    return per_variable.flatten(1).sum(1)


class CategoricalVAE(nn.Module):
    """q(z|x): `n_vars` independent categoricals of `n_classes` classes each; p(z) uniform; p(x|z) Bernoulli.

    A one-hidden-layer MLP each way, like `VAE`: `encode` gives the logits of q (N, n_vars, n_classes) and
    `decode` maps one-hot (or relaxed, Gumbel-softmax) z of that shape to the decoder's pixel logits.
    """

    def __init__(self, n_vars: int = 20, n_classes: int = 10, h_dim: int = 400, x_dim: int = 784):
        super().__init__()
        self.n_vars, self.n_classes = positive_int("n_vars", n_vars), positive_int("n_classes", n_classes)
        self.x_dim = positive_int("x_dim", x_dim)
        width = n_vars * n_classes
        self.encoder = nn.Sequential(nn.Linear(x_dim, positive_int("h_dim", h_dim)), nn.ReLU(), nn.Linear(h_dim, width))
        self.decoder = nn.Sequential(nn.Linear(width, h_dim), nn.ReLU(), nn.Linear(h_dim, x_dim))

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(batch_of_vectors("x", x, self.x_dim)).view(-1, self.n_vars, self.n_classes)

    def decode(self, z: Tensor) -> Tensor:
        as_tensor("z", z)
        if z.dim() != 3 or z.shape[1:] != (self.n_vars, self.n_classes):
            raise ValueError(f"z must be (N, {self.n_vars}, {self.n_classes}): one (relaxed) one-hot vector per "
                             f"variable; got shape {tuple(z.shape)}.")
        return self.decoder(z.flatten(1))

    def forward(self, x: Tensor, tau: float = 1.0, hard: bool = False) -> tuple[Tensor, Tensor]:
        """(pixel logits, logits of q) for one Gumbel-softmax sample at temperature `tau` (`hard`: straight-through)."""
        logits = self.encode(x)
        z = F.gumbel_softmax(logits, tau=positive_number("tau", tau), hard=hard)
        return self.decode(z), logits

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """Pixel means of n images decoded from the uniform prior, (n, x_dim)."""
        classes = torch.randint(self.n_classes, (positive_int("n", n), self.n_vars), device=self.decoder[0].weight.device)
        return torch.sigmoid(self.decode(F.one_hot(classes, self.n_classes).float()))


def categorical_elbo(model: CategoricalVAE, x: Tensor) -> Tensor:
    """The ELBO of a categorical VAE with one exact (not relaxed) sample z ~ q(z|x) per image, in nats, (N,)."""
    logits = model.encode(x)
    z = F.one_hot(torch.distributions.Categorical(logits=logits).sample(), model.n_classes).float()
    return -_bernoulli_reconstruction(model.decode(z), x.reshape(len(x), -1)) - kl_to_uniform(logits)


class Quantized(NamedTuple):
    """What `VectorQuantizer` returns: the decoder's input and the two losses of the codebook, per image."""

    z_q: Tensor             # (N, D, H, W): the codebook vectors forward, the encoder's gradient backward
    codes: Tensor           # (N, H, W) int64: the index of the nearest codebook vector at every position
    codebook_loss: Tensor   # (N,) Σ ‖sg[z_e] − e‖²: moves the codebook to the encoder (zero with EMA updates)
    commitment_loss: Tensor  # (N,) Σ ‖z_e − sg[e]‖²: keeps the encoder near its codes


class VectorQuantizer(nn.Module):
    """Replace every D-vector of an encoder's output (N, D, H, W) by its nearest of `n_codes` codebook vectors.

    With `ema=True` the codebook follows exponential moving averages of the vectors assigned to each code
    (decay `decay`) instead of the codebook loss's gradient. `restart_dead_codes` moves codes that no vector
    chose since its last call onto encoder outputs.
    """

    def __init__(self, n_codes: int, dim: int, ema: bool = False, decay: float = 0.99):
        super().__init__()
        self.n_codes, self.dim, self.ema = positive_int("n_codes", n_codes), positive_int("dim", dim), ema
        if not 0 < decay < 1:
            raise ValueError(f"decay must lie strictly between 0 and 1, got {decay!r}.")
        self.decay = decay
        codebook = torch.empty(n_codes, dim).uniform_(-1 / n_codes, 1 / n_codes)
        if ema:
            self.register_buffer("codebook", codebook)
            self.register_buffer("ema_count", torch.ones(n_codes))
            self.register_buffer("ema_sum", codebook.clone())
        else:
            self.codebook = nn.Parameter(codebook)
        self.register_buffer("usage", torch.zeros(n_codes))  # vectors per code since the last restart

    def _check(self, z_e: Tensor) -> None:
        as_tensor("z_e", z_e)
        if z_e.dim() != 4 or z_e.shape[1] != self.dim:
            raise ValueError(f"z_e must be an encoder output (N, {self.dim}, H, W) whose channels match the codebook's "
                             f"width {self.dim}; got shape {tuple(z_e.shape)}.")

    def nearest(self, z_e: Tensor) -> Tensor:
        """The code of every position of `z_e`, (N, H, W): argmin_k ‖z_e − e_k‖²."""
        self._check(z_e)
        flat = z_e.detach().permute(0, 2, 3, 1).reshape(-1, self.dim)
        distances = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.codebook.T + self.codebook.pow(2).sum(1)
        n, _, h, w = z_e.shape
        return distances.argmin(1).view(n, h, w)

    def lookup(self, codes: Tensor) -> Tensor:
        """The codebook vectors of a grid of codes (N, H, W), as (N, D, H, W)."""
        codes = indices("codes", codes, self.n_codes)  # int64: a uint8 index would be read as a mask
        if codes.dim() != 3:
            raise ValueError(f"codes must be a grid of codes (N, H, W), got shape {tuple(codes.shape)}.")
        return self.codebook[codes].permute(0, 3, 1, 2)

    def forward(self, z_e: Tensor) -> Quantized:
        codes = self.nearest(z_e)
        if self.training:
            self.usage += torch.bincount(codes.flatten(), minlength=self.n_codes)
            if self.ema:
                self._ema_update(z_e, codes)
        e = self.lookup(codes)
        codebook_loss = (z_e.detach() - e).pow(2).flatten(1).sum(1) if not self.ema else z_e.new_zeros(len(z_e))
        commitment_loss = (z_e - e.detach()).pow(2).flatten(1).sum(1)
        return Quantized(z_e + (e - z_e).detach(), codes, codebook_loss, commitment_loss)

    @torch.no_grad()
    def _ema_update(self, z_e: Tensor, codes: Tensor) -> None:
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, self.dim)
        one_hot = F.one_hot(codes.flatten(), self.n_codes).to(flat.dtype)
        self.ema_count.lerp_(one_hot.sum(0), 1 - self.decay)
        self.ema_sum.lerp_(one_hot.T @ flat, 1 - self.decay)
        total = self.ema_count.sum()  # Laplace smoothing: no code's count reaches zero
        count = (self.ema_count + 1e-5) / (total + self.n_codes * 1e-5) * total
        self.codebook.copy_(self.ema_sum / count.unsqueeze(1))

    @torch.no_grad()
    def restart_dead_codes(self, z_e: Tensor) -> int:
        """Move every code unused since the last call onto a random vector of `z_e`; return how many moved."""
        self._check(z_e)
        dead = (self.usage == 0).nonzero().flatten()
        if len(dead):
            flat = z_e.permute(0, 2, 3, 1).reshape(-1, self.dim)
            chosen = flat[torch.randint(len(flat), (len(dead),), device=flat.device)]
            self.codebook[dead] = chosen
            if self.ema:
                self.ema_sum[dead], self.ema_count[dead] = chosen, 1.0
        self.usage.zero_()
        return len(dead)


def perplexity(codes: Tensor, n_codes: int) -> float:
    """exp of the entropy of how often each of `n_codes` codes occurs in `codes`: 1 if one code is used, n_codes if all equally."""
    if indices("codes", codes, positive_int("n_codes", n_codes)).numel() == 0:
        raise ValueError("codes must hold at least one code index.")
    p = torch.bincount(codes.flatten(), minlength=n_codes).double() / codes.numel()
    return math.exp(-torch.special.xlogy(p, p).sum().item())


class VQVAE(nn.Module):
    """A convolutional VQ-VAE for 28×28 images: a 7×7 grid of codes, each one of `n_codes` vectors of width `dim`.

    The decoder's output is Bernoulli logits over the 784 pixels, as in the course's other models.
    """

    def __init__(self, n_codes: int = 64, dim: int = 16, channels: int = 64, ema: bool = True):
        super().__init__()
        c = positive_int("channels", channels)
        self.encoder = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(),        # 14×14
            nn.Conv2d(c, c, 4, 2, 1), nn.ReLU(),        # 7×7
            nn.Conv2d(c, dim, 1))
        self.quantizer = VectorQuantizer(n_codes, dim, ema=ema)
        self.decoder = nn.Sequential(
            nn.Conv2d(dim, c, 3, 1, 1), nn.ReLU(),
            nn.ConvTranspose2d(c, c, 4, 2, 1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(c, 1, 4, 2, 1), nn.Flatten())  # 28×28 logits

    def encode(self, x: Tensor) -> Tensor:
        """The encoder's output z_e, (N, dim, 7, 7)."""
        return self.encoder(batch_of_vectors("x", x, 784))

    def forward(self, x: Tensor) -> tuple[Tensor, Quantized]:
        """(pixel logits, the quantizer's output) for a batch of images."""
        quantized = self.quantizer(self.encode(x))
        return self.decoder(quantized.z_q), quantized

    def decode_codes(self, codes: Tensor) -> Tensor:
        """Pixel logits of p(x | codes) for a grid of codes (N, 7, 7)."""
        return self.decoder(self.quantizer.lookup(codes))


class CodePrior(nn.Module):
    """An autoregressive prior p(c) = Π_i p(c_i | c_<i) over a grid of codes read in raster order: a small causal
    transformer (`torch.nn.TransformerEncoder` with a causal mask) whose first input is a start token."""

    def __init__(self, n_codes: int, length: int = 49, width: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        self.n_codes, self.length = positive_int("n_codes", n_codes), positive_int("length", length)
        self.embed = nn.Embedding(n_codes + 1, width)  # the last index is the start token
        self.position = nn.Parameter(torch.zeros(length, width))
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.transformer = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, n_codes)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(length), persistent=False)

    def _flat(self, codes: Tensor) -> Tensor:
        """Codes (N, H, W) or (N, L) as int64 sequences (N, L)."""
        codes = indices("codes", codes, self.n_codes)
        if codes.dim() < 2 or codes.shape[1:].numel() != self.length:
            raise ValueError(f"codes must be (N, H, W) or (N, L) with {self.length} codes per image, got shape {tuple(codes.shape)}.")
        return codes.flatten(1)

    def forward(self, codes: Tensor) -> Tensor:
        """Logits of p(c_i | c_<i) for every position, (N, L, n_codes), given the codes (N, H, W) or (N, L)."""
        flat = self._flat(codes)
        start = torch.full((len(flat), 1), self.n_codes, dtype=torch.int64, device=flat.device)
        return self._logits(torch.cat([start, flat[:, :-1]], 1))

    def _logits(self, inputs: Tensor) -> Tensor:
        n = inputs.shape[1]
        h = self.embed(inputs) + self.position[:n]
        return self.head(self.transformer(h, mask=self.mask[:n, :n], is_causal=True))

    def log_prob(self, codes: Tensor) -> Tensor:
        """log p(c) in nats per image, (N,)."""
        logits = self(codes)
        return -F.cross_entropy(logits.transpose(1, 2), self._flat(codes), reduction="none").sum(1)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0) -> Tensor:
        """n code sequences drawn one position at a time, (n, length)."""
        device = self.head.weight.device
        inputs = torch.full((positive_int("n", n), 1), self.n_codes, dtype=torch.int64, device=device)
        for _ in range(self.length):
            logits = self._logits(inputs)[:, -1] / positive_number("temperature", temperature)
            inputs = torch.cat([inputs, torch.multinomial(logits.softmax(-1), 1)], 1)
        return inputs[:, 1:]
