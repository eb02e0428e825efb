"""Benchmark: `vae_course.fit` against the classic DataLoader + ToTensor loop.

The classic loop is the VAE of pytorch/examples (vae/main.py): per-sample PIL images
through ToTensor, default Adam, BCE summed over gray pixels plus the closed-form KL.
Both train the same 784-400-20 model from the same seed, batch 128, on the CPU, and
report seconds per epoch (training plus the test pass) and the per-example test loss.

    python bench/speed.py [--epochs 10]
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from vae_course import VAE, data_root, fit, load_mnist, seed_everything


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


def run_fit(epochs: int) -> list[tuple[float, float]]:
    """Train with vae_course.fit and its defaults; return (seconds, test loss) per epoch."""
    history = fit(VAE(), load_mnist("cpu"), epochs=epochs, progress=False)
    return [(seconds, -elbo) for seconds, elbo in zip(history["seconds"], history["test_elbo"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    results = {}
    for name, run in (("classic", run_classic), ("fit", run_fit)):
        seed_everything(0)
        results[name] = run(args.epochs)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, data: {data_root()}")
    print("| epoch | classic s | classic test loss | fit s | fit test loss |")
    print("|---:|---:|---:|---:|---:|")
    for epoch, ((cs, cl), (fs, fl)) in enumerate(zip(results["classic"], results["fit"]), start=1):
        print(f"| {epoch} | {cs:.2f} | {cl:.2f} | {fs:.2f} | {fl:.2f} |")
    mean = {name: sum(s for s, _ in rows) / len(rows) for name, rows in results.items()}
    print(f"| mean | {mean['classic']:.2f} | | {mean['fit']:.2f} | |")
    print(f"speed-up (classic s / fit s per epoch): {mean['classic'] / mean['fit']:.2f}x; "
          f"final test loss difference (fit - classic): {results['fit'][-1][1] - results['classic'][-1][1]:+.2f}")


if __name__ == "__main__":
    main()
