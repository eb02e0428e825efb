"""Training a VAE: `fit`, its history, and checkpoints."""
from __future__ import annotations

import copy
import ctypes
import functools
import math
import os
import re
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable

import torch
from tqdm.auto import tqdm

from .data import MNIST
from .evaluate import evaluate
from .losses import _bernoulli_reconstruction, _kl_divergence, _log_weights, free_bits_kl
from .models import MODELS
from .validate import check_logvar_bound, non_negative, positive_int, positive_number

STATS = ("rec", "kl", "elbo")
PRECISIONS = ("auto", "fp32", "bf16")


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; `history` holds the epochs completed before."""

    def __init__(self, message: str, history: "History"):
        super().__init__(message)
        self.history = history


class History:
    """One row per epoch: train mean and std over batches, test mean, seconds; all ELBO terms in nats.

    `precision` is what `fit` trained in ('fp32' or 'bf16'), None for a history loaded from a checkpoint.
    """

    def __init__(self, rows: list[dict[str, float]] | None = None, precision: str | None = None):
        self.rows = list(rows or [])
        self.precision = precision

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: str) -> list[float]:
        """The column `key` over epochs, e.g. history['test_elbo']."""
        if self.rows and key not in self.rows[0]:
            raise KeyError(f"{key!r} is not recorded; columns are {', '.join(self.rows[0])}.")
        return [row[key] for row in self.rows]

    def __repr__(self) -> str:
        if not self.rows:
            return "History(no epochs)"
        last = self.rows[-1]
        return (f"History({len(self)} epochs; last: train ELBO {last['train_elbo']:.2f} ± {last['train_elbo_std']:.2f}, "
                f"test ELBO {last['test_elbo']:.2f} nats)")


def save_checkpoint(path: str | Path, model, optimizer, history: History) -> None:
    """Write model, optimizer, history and RNG state to `path` atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "history": history.rows,
        "model_class": type(model).__name__,
        "config": model.config,
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


CHECKPOINT_KEYS = ("model", "optimizer", "history", "model_class", "config", "rng", "cuda_rng")


class CheckpointError(RuntimeError):
    """A file that cannot be loaded as a vae_course checkpoint."""


def _read_checkpoint(path: Path) -> dict:
    """The checkpoint's state, loaded with weights_only=True, or a CheckpointError that names the file."""
    advice = (f"Train again with fit(model, data, checkpoint={str(path)!r}) to make a new one, "
              f"or load a checkpoint that fit() wrote.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch's own text would suggest an unsafe retry
        raise CheckpointError(f"Checkpoint {path} could not be read safely ({type(err).__name__}): the file is corrupt "
                              f"or not a vae_course checkpoint. {advice}") from None
    missing = [key for key in CHECKPOINT_KEYS if key not in state] if isinstance(state, dict) else list(CHECKPOINT_KEYS)
    if missing or state["model_class"] not in MODELS:
        what = f"lacks {', '.join(missing)}" if missing else f"names an unknown model class {state['model_class']!r}"
        raise CheckpointError(f"{path} is a PyTorch file but not a vae_course checkpoint (it {what}). {advice}")
    return state


def load_checkpoint(path: str | Path, model=None, optimizer=None, restore_rng: bool = False) -> tuple[object, History]:
    """Load a checkpoint with weights_only=True; returns (model, history).

    `optimizer` and `restore_rng` also restore Adam's state and PyTorch's random state
    (CPU and CUDA), as `fit(resume=True)` does.
    Without `model`, a model of the saved class and sizes is built. A model whose layers
    do not match the checkpoint raises a ValueError that lists the mismatched layers.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    state = _read_checkpoint(path)
    model = model if model is not None else MODELS[state["model_class"]](**state["config"])
    own = model.state_dict()
    bad = [f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape) if k in own else 'missing'}"
           for k, v in state["model"].items() if k not in own or own[k].shape != v.shape]
    bad += [f"{k}: missing from checkpoint" for k in own if k not in state["model"]]
    if bad:  # checked before loading: load_state_dict would already have copied the layers that fit
        raise ValueError(f"Checkpoint {path} ({state['model_class']} {state['config']}) does not fit this model:\n  "
                         + "\n  ".join(bad))
    model.load_state_dict(state["model"])
    if optimizer is not None:
        optimizer.load_state_dict(state["optimizer"])
    if restore_rng:
        torch.set_rng_state(state["rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
    return model, History(state["history"])


def _optimizer(model, lr: float) -> torch.optim.Optimizer:
    # The fused kernel updates all parameters at once: on a CPU it is much faster than the default.
    fused = model.device.type in ("cpu", "cuda")
    return torch.optim.Adam(model.parameters(), lr=lr, fused=fused)


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes in bfloat16 natively: a CUDA GPU with bf16 units, or a CPU with AVX-512-BF16 or AMX."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    if device.type == "cpu":
        return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """'fp32' or 'bf16': what `fit(precision=...)` trains in on `device` ('auto' picks bf16 where it is native)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, got {precision!r}.")
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if precision == "bf16" and device.type not in ("cpu", "cuda"):
        raise ValueError(f"precision='bf16' needs a CPU or CUDA device, got {device.type}; use 'fp32'.")
    return precision


def _train_epoch(model, data: MNIST, optimizer, batch_size: int, beta, lr, k: int, free_bits: float, epoch: int,
                 step: int, precision: str) -> dict[str, float]:
    """One pass over the training split. The host waits for the device once, at the end, not at every step."""
    device = data.device
    n_batches = -(-len(data.train_images) // batch_size)
    stats = torch.empty(n_batches, 3, device=device)  # reconstruction error, KL and largest |log σ²| of every batch
    mixed = torch.autocast("cuda", dtype=torch.bfloat16) if precision == "bf16" and device.type == "cuda" else nullcontext()
    for batch, (x, labels) in enumerate(data.batches(batch_size, split="train")):
        y = labels if model.conditional else None
        weight = beta(step + batch + 1) if callable(beta) else beta
        if callable(lr):
            for group in optimizer.param_groups:
                group["lr"] = lr(step + batch + 1)
        if model.analytic_kl and k == 1:  # the data were checked when loaded
            with mixed:
                mu, logvar = model._encode(x, y)
                logits = model._decode(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu), y)
            mu, logvar = mu.float(), logvar.float()
            rec = _bernoulli_reconstruction(logits.float(), x).mean()
            kl = _kl_divergence(mu, logvar).mean()
            loss = rec + weight * (free_bits_kl(mu, logvar, free_bits) if free_bits else kl)
        else:  # Monte Carlo: −L_k with importance weights p(x|z) (p(z)/q(z|x))^β; k = 1 is the ELBO
            with mixed:
                log_px_z, log_ratio = _log_weights(model, x, y, k)
            log_px_z, log_ratio = log_px_z.float(), log_ratio.float()
            loss = -(torch.logsumexp(log_px_z - weight * log_ratio, 0) - math.log(k)).mean()
            rec, kl, logvar = -log_px_z.mean(), log_ratio.mean(), loss.new_zeros(())  # no log σ² to check
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            stats[batch] = torch.stack((rec, kl, logvar.abs().amax()))
    _check_finite(stats[:, :2], stats[:, 2].nan_to_num(0.0).max().item(), epoch, step)  # NaN: the other batches' largest
    rec, kl = stats[:, :2].T
    elbo = -(rec + kl)
    row = {f"train_{name}{suffix}": value.item()
           for name, t in zip(STATS, (rec, kl, elbo))
           for suffix, value in (("", t.mean()), ("_std", t.std()))}
    row["beta"] = float(weight)
    if callable(lr):
        row["lr"] = float(optimizer.param_groups[0]["lr"])
    return row


def _check_finite(stats: torch.Tensor, worst_logvar: float, epoch: int, step: int) -> None:
    """Raise FloatingPointError naming the first bad batch of the epoch, if any loss or log-variance went wrong."""
    check_logvar_bound(worst_logvar, f" in epoch {epoch}")
    bad = (~torch.isfinite(stats)).any(1).nonzero()
    if len(bad):
        batch = bad[0].item()
        value = stats[batch][~torch.isfinite(stats[batch])][0].item()
        raise FloatingPointError(f"the loss became {value} at epoch {epoch}, batch {batch + 1} "
                                 f"(step {step + batch + 1} overall)")


@functools.cache
def _libgomp() -> ctypes.CDLL | None:
    """The GNU OpenMP runtime PyTorch has loaded (Linux wheels), or None."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    paths = [line.split()[-1] for line in maps.read_text().splitlines() if re.search(r"/libgomp[-\w]*\.so[.\d]*$", line)]
    return ctypes.CDLL(paths[0]) if paths else None


def _flush_denormal_everywhere(on: bool) -> bool:
    """`torch.set_flush_denormal(on)` on this thread and on every OpenMP worker thread; False where unsupported.

    The setting is per thread: workers started before it keep computing with denormal floats,
    which made later epochs about 20% slower on a CPU (book/performance.md). With libgomp,
    one parallel region sets it on each worker; elsewhere only this thread is set.
    """
    if not torch.set_flush_denormal(on):
        return False
    lib = _libgomp()
    if lib is not None and torch.get_num_threads() > 1:
        on_each_thread = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _: torch.set_flush_denormal(on))
        lib.GOMP_parallel(on_each_thread, None, ctypes.c_uint(torch.get_num_threads()), ctypes.c_uint(0))
    return True


@contextmanager
def _cpu_training(device: torch.device, precision: str):
    """While training on a CPU: flush denormal floats on every thread (they slow later epochs) and, for 'bf16',
    let oneDNN multiply float32 matrices in bfloat16. Both are process-wide settings, restored afterwards."""
    if device.type != "cpu":
        yield
        return
    flush, matmul = _flush_denormal_everywhere(True), torch.get_float32_matmul_precision()
    if precision == "bf16":
        torch.set_float32_matmul_precision("medium")
    try:
        yield
    finally:
        torch.set_float32_matmul_precision(matmul)
        if flush:
            _flush_denormal_everywhere(False)


def fit(model, data: MNIST, epochs: int = 10, batch_size: int = 128, lr: float | Callable[[int], float] = 1e-3,
        beta: float | Callable[[int], float] = 1.0, checkpoint: str | Path | None = None,
        resume: bool = False, progress: bool = True, callback: Callable | None = None,
        precision: str = "auto", k: int = 1, free_bits: float = 0.0) -> History:
    """Train `model` on `data` with Adam, moving it to the data's device; return the History, one row per epoch.

    The loss is reconstruction + β · KL; with `k` > 1 it is −L_k, the importance-weighted bound (IWAE, Burda
    et al. 2015) with weights p(x|z) (p(z)/q(z|x))^β, which a model without a closed-form KL (`analytic_kl`
    False) uses for k = 1 too: one Monte Carlo sample of −ELBO. `beta` and `lr` are numbers or functions of
    the step 1, 2, … (e.g. `linear_warmup`, `exponential_decay`). `free_bits` λ > 0 replaces the KL by
    `free_bits_kl` (k = 1 with a closed-form KL only). Each epoch records the ELBO terms (β = 1) over the
    training batches (mean ± std) and the test split, and the β in use. `checkpoint` saves the state at every
    epoch end; `resume=True` continues from it. `callback(epoch, model, row)` runs after every epoch. A NaN or
    infinite loss restores the last completed epoch and raises TrainingDiverged; Ctrl-C keeps what has been
    trained and returns. `precision`: 'fp32', 'bf16' or 'auto' (default), which picks bf16 where the device
    computes it natively (`native_bf16`). In bf16 training's matrix products run in bfloat16 (autocast on CUDA,
    oneDNN on a CPU); weights, loss, Adam and the test pass stay float32. The choice shows in the progress bar
    and as `history.precision`.
    """
    if not isinstance(data, MNIST):
        raise TypeError(f"data must be the MNIST object from load_mnist(), got {type(data).__name__}.")
    positive_int("epochs", epochs)
    positive_int("batch_size", batch_size)
    if not callable(beta):
        non_negative("beta", beta, "a non-negative number or a function of the step")
    positive_number("lr", lr(1) if callable(lr) else lr)
    positive_int("k", k)
    non_negative("free_bits", free_bits, "a non-negative number of nats per latent dimension")
    if free_bits and (k > 1 or not model.analytic_kl):
        raise ValueError("free_bits needs the closed-form KL of the ELBO: use k=1 and a model with a Gaussian q(z|x).")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=<path of the file to resume from>.")
    precision = resolve_precision(precision, data.device)
    model.to(data.device).train()
    optimizer = _optimizer(model, lr(1) if callable(lr) else lr)
    history = History()
    if resume and Path(checkpoint).exists():
        _, history = load_checkpoint(checkpoint, model, optimizer, restore_rng=True)
    bar = tqdm(range(len(history), epochs), desc=f"epochs ({precision})", disable=not progress, initial=len(history),
               total=epochs)
    history.precision = precision
    for epoch in bar:
        good = copy.deepcopy(model.state_dict())
        start = time.perf_counter()
        try:
            steps_done = epoch * -(-len(data.train_images) // batch_size)
            with _cpu_training(data.device, precision):
                row = _train_epoch(model, data, optimizer, batch_size, beta, lr, k, free_bits, epoch + 1, steps_done,
                                   precision)
            row.update({f"test_{k}": v for k, v in evaluate(model, data, "test").items()})  # in float32
        except FloatingPointError as err:  # a NaN loss, or a log-variance out of bounds (LogVarianceOverflow)
            model.load_state_dict(good)
            raise TrainingDiverged(
                f"Training diverged: {err}. The model was restored to its state after epoch {epoch} and "
                f"err.history holds the {len(history)} completed epochs. Lower the learning rate (lr={optimizer.param_groups[0]['lr']:g}) "
                f"or check the data for NaN.", history) from None
        except KeyboardInterrupt:
            model.load_state_dict(good)
            print(f"중단됨: 완료된 {len(history)}개 에포크의 모델과 기록을 반환합니다. · "
                  f"Interrupted: returning the model and history of the {len(history)} completed epochs.")
            break
        row["seconds"] = time.perf_counter() - start  # training and the test pass
        history.rows.append(row)
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, optimizer, history)
        if callback is not None:
            callback(epoch + 1, model, row)
        bar.set_postfix(train_elbo=f"{row['train_elbo']:.1f}", test_elbo=f"{row['test_elbo']:.1f}")
    return history
