"""Shared fixtures: a small slice of MNIST for fast training tests."""
import pytest
import torch

from vae_course import MNIST, load_mnist


@pytest.fixture(scope="session")
def mnist() -> MNIST:
    """MNIST from $VAE_COURSE_DATA (the CI cache), on the CPU."""
    return load_mnist("cpu")


@pytest.fixture(scope="session")
def small(mnist) -> MNIST:
    """2,048 training and 512 test images: enough to see learning in a second."""
    return MNIST(mnist.train_images[:2048], mnist.train_labels[:2048],
                 mnist.test_images[:512], mnist.test_labels[:512], mnist.source)


@pytest.fixture
def x_batch(mnist) -> torch.Tensor:
    return mnist.test_images[:16]


def failed_lines(verdict) -> list[str]:
    """The lines of an exercise check's verdict whose case failed (marked ✗)."""
    return [line for line in verdict.lines if line.lstrip().startswith("✗")]


def failing_line(verdict, about: str) -> str:
    """The verdict's line for the case `about`, which must have failed."""
    line = next(line for line in verdict.lines if about in line)
    assert line.lstrip().startswith("✗"), line
    return line
