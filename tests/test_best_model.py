"""The course's best model: the shipped file loads safely and matches its record; the recipe's pieces behave."""
import pytest
import torch

from vae_course import MNIST, VAE, best_model, load_mnist
from vae_course.best_model import load_best, measure, split_validation


def test_the_shipped_model_loads_with_its_record():
    model, record = load_best()
    assert isinstance(model, VAE) and not model.training
    assert model.config == best_model.CONFIG
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert record["command"] == best_model.COMMAND and record["recipe"]["k"] == best_model.K
    assert 1 <= record["best_epoch"] <= record["recipe"]["epochs"] == len(record["history"])
    assert record["train_seconds"] < 90 * 60, "the recipe trains in at most 90 minutes on the build machine"
    test = record["test"]
    assert test["k"] == best_model.EVAL_K and len(test["log_px_each"]) == test["n_test"]
    assert test["log_px_each"].mean().item() == pytest.approx(test["log_px"], abs=1e-4)
    assert test["elbo"] < test["log_px"] < 0


def test_the_record_is_reproduced_on_the_first_test_images():
    """The same seeded generator, 100 images at a time: the first images get the same estimates."""
    data = load_mnist("cpu", binarize=True)
    if not data.is_full:
        pytest.skip("the record was measured on full MNIST")
    model, record = load_best()
    again = measure(model, data, n=100)["log_px_each"]
    torch.testing.assert_close(again, record["test"]["log_px_each"][:100], atol=1e-3, rtol=0)


def test_a_missing_or_corrupt_file_says_how_to_get_it_back(tmp_path, monkeypatch):
    monkeypatch.setattr(best_model, "PATH", tmp_path / "best_iwae.pt")
    with pytest.raises(FileNotFoundError, match="python -m vae_course.best_model"):
        load_best()
    (tmp_path / "best_iwae.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="could not be read safely.*python -m vae_course.best_model"):
        load_best()


def test_validation_split_and_measure_on_a_prefix(small):
    binary = MNIST(small.train_images, small.train_labels, small.test_images.round(), small.test_labels,
                   small.source, binarize=True)
    split = split_validation(binary, n=200)
    assert len(split.train_images) == len(binary.train_images) - 200 and len(split.test_images) == 200
    assert torch.equal(split.train_images, binary.train_images[:-200])
    assert ((split.test_images == 0) | (split.test_images == 1)).all()
    torch.manual_seed(0)
    model = VAE(h_dim=32, z_dim=4, layers=2).eval()
    full, prefix = measure(model, binary, n=200, k=20), measure(model, binary, n=100, k=20)
    torch.testing.assert_close(prefix["log_px_each"], full["log_px_each"][:100])
    assert full["n_test"] == 200 and full["elbo"] < full["log_px"]


def test_train_best_needs_binarized_images(small):
    with pytest.raises(ValueError, match="binarize=True"):
        best_model.train_best(small, epochs=1)
