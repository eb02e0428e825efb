"""Benchmark: three training loops for the same VAE, in one process.

- classic: the VAE of pytorch/examples (vae/main.py): per-sample PIL images through ToTensor,
  default Adam, BCE summed over gray pixels plus the closed-form KL;
- hand: the fastest plain loop we could write: MNIST as one tensor sliced by a random
  permutation, fused Adam, BCE with logits, denormals flushed on every thread, bf16 matrix products where native;
- fit: `vae_course.fit` with its defaults (precision='auto'), and again with precision='fp32'.

All three train the 784-400-20 model from the same seed, batch 128, and report seconds per
epoch (training plus the test pass) and the test loss per image (BCE on gray pixels plus KL:
not a log-likelihood, see the evaluation chapter). Each loop runs `--rounds` times, every other
round in reverse order (a machine often slows down over minutes of work, which would penalize
whichever loop always runs last); the table shows each loop's run with the lowest median.

    python bench/speed.py [--epochs 10] [--rounds 2] [--out bench/results.md]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from vae_course import VAE, data_root, fit, load_mnist, seed_everything
from vae_course.train import _flush_denormal_everywhere, native_bf16

TARGET = 106.0  # nats: the test loss the classic loop reaches in about 10 epochs


class ClassicVAE(nn.Module):
    """The model of pytorch/examples, layer for layer."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x.view(-1, 784)))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def classic_loss(model, x):
    """BCE summed over gray pixels plus KL, summed over the batch, as in pytorch/examples."""
    recon, mu, logvar = model(x)
    bce = F.binary_cross_entropy(recon, x.view(-1, 784), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def run_classic(epochs: int) -> list[tuple[float, float]]:
    """Train the pytorch/examples way; return (seconds, test loss) per epoch."""
    root = str(data_root())
    to_tensor = transforms.ToTensor()
    train = DataLoader(datasets.MNIST(root, train=True, transform=to_tensor), batch_size=128, shuffle=True)
    test = DataLoader(datasets.MNIST(root, train=False, transform=to_tensor), batch_size=128)
    model = ClassicVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for x, _ in train:
            optimizer.zero_grad()
            classic_loss(model, x).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            test_loss = sum(classic_loss(model, x).item() for x, _ in test)
        rows.append((time.perf_counter() - start, test_loss / len(test.dataset)))
    return rows


def run_hand(epochs: int) -> list[tuple[float, float]]:
    """The fastest plain loop: one tensor, permutation slices, fused Adam, bf16 matrix products where native."""
    data = load_mnist("cpu")
    x_train, x_test = data.train_images, data.test_images
    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    if native_bf16(torch.device("cpu")):
        torch.set_float32_matmul_precision("medium")  # oneDNN multiplies float32 matrices in bfloat16
    _flush_denormal_everywhere(True)  # on the worker threads too, as fit does
    rows = []
    for _ in range(epochs):
        start = time.perf_counter()
        for idx in torch.randperm(len(x_train)).split(128):
            x = x_train[idx]
            h = model.encoder(x)
            mu, logvar = model.to_mu(h), model.to_logvar(h)
            logits = model.decoder(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
            loss = (F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
                    - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())) / len(x)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        torch.set_float32_matmul_precision("highest")  # the test pass in float32, as fit's
        with torch.no_grad():
            total = 0.0
            for x in x_test.split(1000):
                h = model.encoder(x)
                mu, logvar = model.to_mu(h), model.to_logvar(h)
                logits = model.decoder(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
                total += (F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
                          - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())).item()
        rows.append((time.perf_counter() - start, total / len(x_test)))
        if native_bf16(torch.device("cpu")):
            torch.set_float32_matmul_precision("medium")
    _flush_denormal_everywhere(False)
    torch.set_float32_matmul_precision("highest")
    return rows


def run_fit(epochs: int, precision: str = "auto") -> list[tuple[float, float]]:
    """Train with vae_course.fit and its defaults; return (seconds, test loss) per epoch."""
    history = fit(VAE(), load_mnist("cpu"), epochs=epochs, progress=False, precision=precision)
    return [(seconds, -elbo) for seconds, elbo in zip(history["seconds"], history["test_elbo"])]


def run_fit_fp32(epochs: int) -> list[tuple[float, float]]:
    """`fit` with precision='fp32': what the bf16 matrix products are worth."""
    return run_fit(epochs, "fp32")


def time_to(rows: list[tuple[float, float]], target: float) -> str:
    """Seconds of training until the test loss first reaches `target`, or '–' if it never does."""
    elapsed = 0.0
    for seconds, loss in rows:
        elapsed += seconds
        if loss <= target:
            return f"{elapsed:.1f}"
    return "–"


def cpu_name() -> str:
    """The processor's model name, from /proc/cpuinfo where there is one."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def table(results: dict[str, list[tuple[float, float]]], epochs: int, rounds: int) -> str:
    """The results as a Markdown table, with the machine and the ratios to `fit`."""
    fit_median = statistics.median(s for s, _ in results["fit"])
    lines = [f"{epochs} epochs per loop, the fastest of {rounds} runs (by median); {cpu_name()}, torch {torch.__version__}, "
             f"{torch.get_num_threads()} threads; bf16 native: {native_bf16(torch.device('cpu'))}; "
             f"{len(load_mnist('cpu').test_images):,} test images.", "",
             f"| loop | min s/epoch | median s/epoch | median ÷ fit's | final test loss | s to reach {TARGET:g} |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, rows in results.items():
        seconds = [s for s, _ in rows]
        lines.append(f"| {name} | {min(seconds):.2f} | {statistics.median(seconds):.2f} | "
                     f"{statistics.median(seconds) / fit_median:.2f}× | {rows[-1][1]:.2f} | {time_to(rows, TARGET)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each loop; the table keeps each loop's fastest")
    parser.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args()
    loops = {"classic": run_classic, "hand": run_hand, "fit": run_fit, "fit, fp32": run_fit_fp32}
    runs = {name: [] for name in loops}
    for round_ in range(args.rounds):  # every other round in reverse order, so that no loop always runs last
        for name in (list(loops) if round_ % 2 == 0 else list(reversed(loops))):
            seed_everything(0)
            runs[name].append(loops[name](args.epochs))
            print(f"{name}: " + ", ".join(f"{s:.2f} s / {loss:.2f}" for s, loss in runs[name][-1]), flush=True)
    results = {name: min(rows, key=lambda r: statistics.median(s for s, _ in r)) for name, rows in runs.items()}
    text = table(results, args.epochs, args.rounds)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
