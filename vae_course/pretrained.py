"""Pre-trained 2-D latent VAEs, one per β, shipped with the package for the interactive chapter.

Training them takes minutes on a CPU, too slow for a widget; so `python -m vae_course.pretrained`
(`make pretrained`) trains them once, from seed 0 on full MNIST, and writes them into the
package. Each file holds the weights in half precision (loaded as float32), the training
record and the encoder means of the first 2,000 test images, which every MNIST copy shares.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from .data import MNIST, load_mnist
from .device import get_device, seed_everything
from .evaluate import evaluate
from .models import VAE
from .train import fit

BETAS = (0.5, 1.0, 2.0, 4.0)
CONFIG = {"x_dim": 784, "h_dim": 256, "z_dim": 2}
EPOCHS = 30
N_CODES = 2000
FOLDER = Path(__file__).parent / "weights"


def path_for(beta: float) -> Path:
    """The package file of the model trained with this β."""
    return FOLDER / f"vae_z2_beta{beta:g}.pt"


@dataclass(frozen=True)
class Pretrained:
    """A trained 2-D latent VAE with its record and the codes of the first 2,000 test images."""

    model: VAE
    beta: float
    epochs: int
    test: dict[str, float]  # evaluate() on the trainer's test split: 'rec', 'kl', 'elbo' in nats
    n_test: int             # how many test images (the first n of MNIST's test split) `test` was computed on
    codes: Tensor           # (2000, 2) encoder means μ(x) of the first 2,000 test images
    labels: Tensor          # (2000,) their digits


def read_package_model(path: Path, command: str) -> tuple[VAE, dict]:
    """A VAE shipped in the package (loaded with weights_only=True, in float32 on the CPU, in eval mode) and the
    rest of its file, or an error that says how to get it back."""
    advice = f"Reinstall the package, or train it again with `{command}`."
    if not path.exists():
        raise FileNotFoundError(f"The pre-trained model {path.name} is missing from {path.parent}. {advice}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - torch's own text would suggest an unsafe retry
        raise RuntimeError(f"The pre-trained model {path} could not be read safely ({type(err).__name__}): "
                           f"it is corrupt. {advice}") from None
    model = VAE(**state["config"])
    model.load_state_dict({name: value.float() for name, value in state.pop("model").items()})
    return model.eval(), state


def load_pretrained(beta: float = 1.0, device: str | torch.device = "cpu") -> Pretrained:
    """The package's 2-D latent VAE trained with `beta` (one of BETAS), in eval mode on `device`."""
    if beta not in BETAS:
        raise ValueError(f"No pre-trained model for beta={beta!r}; the package has beta in {BETAS}.")
    model, state = read_package_model(path_for(beta), "python -m vae_course.pretrained")
    return Pretrained(model.to(device), state["beta"], state["epochs"], state["test"], state["n_test"],
                      state["codes"].float(), state["labels"].long())


def train_pretrained(data, beta: float, epochs: int = EPOCHS) -> dict:
    """Train the 2-D VAE for `beta` from seed 0 and return the state that `load_pretrained` reads."""
    seed_everything(0)
    model = VAE(**CONFIG)
    fit(model, data, epochs=epochs, beta=beta)
    model.eval()
    with torch.no_grad():
        codes, _ = model.encode(data.test_images[:N_CODES])
    return {
        "config": model.config, "beta": beta, "epochs": epochs,
        "model": {k: v.detach().cpu().half() for k, v in model.state_dict().items()},
        "test": evaluate(model, data), "n_test": len(data.test_images),
        "codes": codes.cpu().half(), "labels": data.test_labels[:N_CODES].cpu().to(torch.uint8),
    }


def command_line(description: str, what: str, epochs: int, out: Path, out_help: str,
                 argv: list[str] | None) -> tuple[argparse.Namespace, MNIST]:
    """The arguments (--epochs, --out) of a script that trains a model shipped with the package, and the
    full MNIST it trains on, binarized; anything less ends the script: "{what} full MNIST ..."."""
    parser = argparse.ArgumentParser(description=f"{description} (seed 0, full MNIST, binarized).")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--out", type=Path, default=out, help=out_help)
    args = parser.parse_args(argv)
    data = load_mnist(get_device(), binarize=True)
    if not data.is_full or len(data.test_images) < N_CODES:
        raise SystemExit(f"{what} full MNIST; got {data!r}. Set VAE_COURSE_DATA or go online.")
    return args, data


def main(argv: list[str] | None = None) -> None:
    args, data = command_line("Train the package's pre-trained 2-D VAEs", "The pre-trained models need", EPOCHS, FOLDER,
                              "folder for the .pt files (default: the package)", argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for beta in BETAS:
        state = train_pretrained(data, beta, args.epochs)
        torch.save(state, args.out / path_for(beta).name)
        test = state["test"]
        print(f"beta={beta:g}: on the first {state['n_test']:,} test images, ELBO {test['elbo']:.2f}, "
              f"reconstruction error {test['rec']:.2f}, KL {test['kl']:.2f} nats -> {args.out / path_for(beta).name}")


if __name__ == "__main__":
    main()
