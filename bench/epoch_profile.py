"""Where an epoch of `fit` goes: torch.profiler's self times, grouped, scaled to one unprofiled epoch.

Trains the 784-400-20 model with fit's own epoch function (two warm-up epochs), times one
epoch and the test pass without the profiler, then profiles one more epoch and splits the
training time in the proportions of the profiled operators' self times.

    python bench/epoch_profile.py [--precision auto] [--out bench/epoch_profile]   # writes epoch_profile.md and .png
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from vae_course import VAE, load_mnist, seed_everything  # noqa: E402
from vae_course.evaluate import evaluate  # noqa: E402
import vae_course.plots  # noqa: E402,F401  NanumGothic, for the Hangul labels
from vae_course.train import _cpu_training, _optimizer, _train_epoch, resolve_precision  # noqa: E402

GROUPS = {  # operator name → group; the rest is "elementwise and autograd"
    "aten::mm": "matmul", "aten::addmm": "matmul", "aten::bmm": "matmul",
    "aten::_fused_adam_": "adam", "Optimizer.step#Adam.step": "adam", "Optimizer.zero_grad#Adam.zero_grad": "adam",
    "aten::index": "batches", "aten::randperm": "batches", "aten::bernoulli_": "batches",
}
LABELS = {
    "matmul": "행렬 곱 (순전파, 역전파) · matrix products (forward, backward)",
    "adam": "Adam 갱신 · Adam update",
    "other": "원소별 연산과 autograd · elementwise ops and autograd",
    "batches": "배치 자르기 · slicing batches",
    "test": "테스트 패스 · test pass",
}


def measure(precision: str) -> tuple[dict[str, float], str, int]:
    """Seconds of one epoch by group, the precision used, and the number of training images."""
    data = load_mnist("cpu")
    precision = resolve_precision(precision, data.device)
    seed_everything(0)
    model = VAE()
    optimizer = _optimizer(model, 1e-3)
    epoch = lambda n: _train_epoch(model, data, optimizer, batch_size=128, beta=1.0, lr=1e-3, k=1, free_bits=0.0,  # noqa: E731
                                   epoch=n, step=0, precision=precision)
    with _cpu_training(data.device, precision):
        epoch(1), epoch(2)
        start = time.perf_counter()
        epoch(3)
        train_seconds = time.perf_counter() - start
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            epoch(4)
    start = time.perf_counter()
    evaluate(model, data, "test")
    test_seconds = time.perf_counter() - start
    self_us = {"matmul": 0.0, "adam": 0.0, "batches": 0.0, "other": 0.0}
    for event in prof.key_averages():
        self_us[GROUPS.get(event.key, "other")] += event.self_cpu_time_total
    total = sum(self_us.values())
    seconds = {group: train_seconds * us / total for group, us in self_us.items()}
    seconds["test"] = test_seconds
    return seconds, precision, len(data.train_images)


def write(seconds: dict[str, float], precision: str, n_train: int, out: Path) -> None:
    """bench/epoch_profile.md (a table) and bench/epoch_profile.png (a bar chart)."""
    total = sum(seconds.values())
    order = sorted(seconds, key=seconds.get)
    lines = [f"One epoch of `fit` ({n_train:,} training images, batch 128, precision {precision}), "
             f"{total:.2f} s; {torch.get_num_threads()} threads.", "",
             "| part · 부분 | s | share · 비율 |", "|---|---:|---:|"]
    lines += [f"| {LABELS[g]} | {seconds[g]:.2f} | {seconds[g] / total:.0%} |" for g in reversed(order)]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fig, ax = plt.subplots(figsize=(10, 3.4))
    ax.barh([LABELS[g] for g in order], [seconds[g] for g in order], color="tab:blue")
    for i, g in enumerate(order):
        ax.text(seconds[g], i, f" {seconds[g]:.2f} s ({seconds[g] / total:.0%})", va="center", fontsize=10)
    ax.set_xlim(0, max(seconds.values()) * 1.35)
    ax.set_xlabel("초 · seconds")
    ax.set_title(f"fit의 에포크 하나 · one epoch of fit: {total:.2f} s ({precision})")
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--out", type=Path, default=Path("bench/epoch_profile"))
    args = parser.parse_args()
    seconds, precision, n_train = measure(args.precision)
    write(seconds, precision, n_train, args.out)
    print(args.out.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
