"""Benchmark: what the public input checks would cost inside `fit`'s training step.

Times one training step (batch 128, fused Adam, as in `fit`) through the unchecked `_encode` /
`_decode` that `fit` uses and through the public `encode` / `decode`, and each public function
against its unchecked twin, on the CPU. Also counts the host-device synchronizations
(`Tensor.item`, `bool(tensor)`) that the public path adds per step: each one stalls a GPU.

    python bench/checks.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import time

import torch

from vae_course import VAE, ConditionalVAE, load_mnist
from vae_course import losses


def best_microseconds(fns: dict, number: int, repeat: int) -> dict[str, float]:
    """The fastest of `repeat` rounds of `number` calls each, the functions interleaved so that load hits all alike."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, f in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                f()
            best[name] = min(best[name], (time.perf_counter() - start) / number * 1e6)
    return best


def syncs(f) -> int:
    """How many times `f` makes the host wait for a tensor's value."""
    calls, item, to_bool = [0], torch.Tensor.item, torch.Tensor.__bool__

    def counting(original):
        def wrapper(self):
            calls[0] += 1
            return original(self)
        return wrapper

    torch.Tensor.item, torch.Tensor.__bool__ = counting(item), counting(to_bool)
    try:
        f()
    finally:
        torch.Tensor.item, torch.Tensor.__bool__ = item, to_bool
    return calls[0]


def main(repeat: int) -> None:
    torch.manual_seed(0)
    torch.set_flush_denormal(True)  # as fit does on a CPU
    data = load_mnist("cpu")
    x, labels = data.train_images[:128], data.train_labels[:128]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch 128, µs (fastest of {repeat} rounds)\n")
    print("| model | step via _encode/_decode | step via encode/decode | encode − _encode | decode − _decode "
          "| bernoulli_reconstruction − _ | kl_divergence − _ | syncs added per step |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for model in (VAE(), ConditionalVAE()):
        y = labels if model.conditional else None
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-12, fused=True)  # weights stay put: steps cost alike

        def step(encode, decode, rec=losses._bernoulli_reconstruction, kl=losses._kl_divergence):
            mu, logvar = encode(x, y)
            logits = decode(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu), y)
            loss = (rec(logits, x) + kl(mu, logvar)).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        t = best_microseconds({"fast": lambda: step(model._encode, model._decode),
                               "public": lambda: step(model.encode, model.decode)}, 10, repeat)
        mu, logvar = (v.detach() for v in model._encode(x, y))
        logits = model._decode(mu, y).detach()
        t |= best_microseconds({
            "encode": lambda: model.encode(x, y), "_encode": lambda: model._encode(x, y),
            "decode": lambda: model.decode(mu, y), "_decode": lambda: model._decode(mu, y),
            "rec": lambda: losses.bernoulli_reconstruction(logits, x),
            "_rec": lambda: losses._bernoulli_reconstruction(logits, x),
            "kl": lambda: losses.kl_divergence(mu, logvar), "_kl": lambda: losses._kl_divergence(mu, logvar),
        }, 200, repeat)
        added = (syncs(lambda: step(model.encode, model.decode, losses.bernoulli_reconstruction, losses.kl_divergence))
                 - syncs(lambda: step(model._encode, model._decode)))
        share = lambda name: f"{t[name] - t['_' + name]:.0f} ({(t[name] - t['_' + name]) / t['fast']:.1%})"  # noqa: E731
        print(f"| {type(model).__name__} | {t['fast']:.0f} | {t['public']:.0f} | {share('encode')} | {share('decode')} "
              f"| {share('rec')} | {share('kl')} | {added} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="rounds; the fastest counts")
    main(parser.parse_args().repeat)
