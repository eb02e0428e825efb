"""The course's best model: a deeper MLP VAE trained with the importance-weighted bound (IWAE, k = 5).

The IWAE of the chapter "closing the gap" plus standard choices, in one recipe: two hidden layers of 512 units on each
side, 50 latent dimensions, dynamically binarized training images, KL warm-up, the IWAE bound with
k = 5 and a learning rate decaying from 1e-3 to 1e-4. The last 5,000 training images are held out
to choose the epoch; the test split is touched once, at the end. `python -m vae_course.best_model`
(`make best-model`) trains it from seed 0 and writes it into the package in half precision, with
its record: log p(x) estimated with k = 5,000 importance samples on the test images this machine
has, computed with the weights as shipped.
"""
from __future__ import annotations

import copy
import time

import torch

from .data import MNIST
from .device import seed_everything
from .evaluate import active_units, evaluate, log_likelihood
from .models import VAE
from .pretrained import FOLDER, command_line, read_package_model
from .schedules import exponential_decay, linear_warmup
from .train import fit

CONFIG = {"x_dim": 784, "h_dim": 512, "z_dim": 50, "layers": 2}
K = 5                 # importance samples in the training bound
EPOCHS = 800
BATCH_SIZE = 128
WARMUP_EPOCHS = 10    # β from 0 to 1
LR = (1e-3, 1e-4)     # from, to (geometric decay over all epochs)
VALIDATION = 5000     # the last training images, held out to choose the epoch
EVAL_K = 5000         # importance samples for the test log-likelihood
PATH = FOLDER / "best_iwae.pt"
COMMAND = "python -m vae_course.best_model"


def split_validation(data: MNIST, n: int = VALIDATION, seed: int = 1) -> MNIST:
    """Training data without their last `n` images, which become the 'test' split (binarized once with `seed`)."""
    held = torch.bernoulli(data.train_images[-n:], generator=torch.Generator(data.device).manual_seed(seed))
    return MNIST(data.train_images[:-n], data.train_labels[:-n], held, data.train_labels[-n:], data.source, True)


def train_best(data: MNIST, epochs: int = EPOCHS, progress: bool = True) -> dict:
    """Train the best model from seed 0 on binarized `data`; return the state `load_best` reads."""
    if not data.binarize:
        raise ValueError("The best model is trained and measured on binarized images: load_mnist(binarize=True).")
    seed_everything(0)
    start = time.perf_counter()
    train = split_validation(data)
    steps = epochs * -(-len(train.train_images) // BATCH_SIZE)
    warmup = WARMUP_EPOCHS * -(-len(train.train_images) // BATCH_SIZE)
    model, best = VAE(**CONFIG), {"elbo": -float("inf")}

    def keep_best(epoch: int, model: VAE, row: dict) -> None:
        if row["beta"] == 1.0 and row["test_elbo"] > best["elbo"]:
            best.update(elbo=row["test_elbo"], epoch=epoch, state=copy.deepcopy(model.state_dict()))

    history = fit(model, train, epochs=epochs, batch_size=BATCH_SIZE, k=K, lr=exponential_decay(steps, *LR),
                  beta=linear_warmup(warmup), callback=keep_best, progress=progress)
    train_seconds = time.perf_counter() - start
    if "state" in best:  # else training ended inside the warm-up: keep the last epoch
        model.load_state_dict(best["state"])
    half = {name: value.detach().cpu().half() for name, value in model.state_dict().items()}
    model.load_state_dict({name: value.float() for name, value in half.items()})  # measure what ships
    return {"config": model.config, "model": half, "history": history.rows, "best_epoch": best.get("epoch", epochs),
            "train_seconds": train_seconds, "precision": history.precision, "recipe": {"k": K, "epochs": epochs, "batch_size": BATCH_SIZE,
                                                        "warmup_epochs": WARMUP_EPOCHS, "lr": LR,
                                                        "validation": VALIDATION},
            "test": measure(model.eval(), data), "command": COMMAND}


@torch.no_grad()
def measure(model: VAE, data: MNIST, n: int | None = None, k: int = EVAL_K, seed: int = 0) -> dict:
    """log p(x) (k importance samples: per image, their mean and standard error), ELBO and active units
    on the first `n` test images (default all). Images go 100 at a time through one seeded generator,
    so the first n′ < n images get the same samples and the same estimates on the same hardware."""
    x = data.test_images[:n]
    generator = torch.Generator(data.device).manual_seed(seed)
    start = time.perf_counter()
    log_px = torch.cat([log_likelihood(model, batch, k=k, generator=generator) for batch in x.split(100)])
    subset = MNIST(data.train_images[:1], data.train_labels[:1], x, data.test_labels[:len(x)], data.source, True)
    return {"log_px": log_px.mean().item(), "log_px_se": (log_px.std() / len(x) ** 0.5).item(), "k": k,
            "log_px_each": log_px.cpu(),
            "elbo": evaluate(model, subset)["elbo"], "active_units": active_units(model, subset)[0],
            "n_test": len(x), "of_test": 10_000 if data.is_full else None, "seconds": time.perf_counter() - start}


def load_best(device: str | torch.device = "cpu") -> tuple[VAE, dict]:
    """The course's best model, in eval mode on `device`, and its record (training history, test figures)."""
    model, record = read_package_model(PATH, COMMAND)
    return model.to(device), record


def main(argv: list[str] | None = None) -> None:
    args, data = command_line("Train the course's best model", "The best model needs", EPOCHS, PATH,
                              "where to write it (default: the package)", argv)
    state = train_best(data, args.epochs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, args.out)
    test = state["test"]
    print(f"{args.epochs} epochs (best on validation: {state['best_epoch']}) in {state['train_seconds'] / 60:.1f} min; "
          f"on the first {test['n_test']:,} test images: log p(x) {test['log_px']:.2f} ± {test['log_px_se']:.2f} nats "
          f"(k = {test['k']:,}), ELBO {test['elbo']:.2f}, {test['active_units']} active units -> {args.out}")


if __name__ == "__main__":
    main()
