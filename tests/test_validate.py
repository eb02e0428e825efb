"""The package's shared argument checks (vae_course/validate.py): what they accept and what they refuse."""
import math

import pytest
import torch

from vae_course.validate import indices, non_negative, positive_int, positive_number, same_shape


@pytest.mark.parametrize("value", [1, 7, 10**9])
def test_positive_int_accepts_whole_numbers_from_one(value):
    assert positive_int("n", value) == value


@pytest.mark.parametrize("value", [0, -3, 2.0, True, "3", None])
def test_positive_int_refuses_the_rest(value):
    with pytest.raises(ValueError, match=r"n must be a positive int, got"):
        positive_int("n", value)


@pytest.mark.parametrize("check, value, result", [(positive_number, 3, 3.0), (positive_number, 1e-8, 1e-8),
                                                  (non_negative, 0, 0.0), (non_negative, 0.25, 0.25)])
def test_numbers_come_back_as_floats(check, value, result):
    assert check("x", value) == result and isinstance(check("x", value), float)


@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, True, "0.5", None, torch.tensor(0.5)])
def test_non_negative_refuses_negatives_non_finite_and_non_numbers(value):
    with pytest.raises(ValueError, match=r"bits must be a non-negative number of nats, got"):
        non_negative("bits", value, "a non-negative number of nats")


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8])
def test_indices_accept_integer_tensors_in_range(dtype):
    t = torch.tensor([0, 3, 9], dtype=dtype)
    for got, expected in ((indices("y", t, 10), [0, 3, 9]), (indices("t", t + 1, 10, low=1), [1, 4, 10])):
        assert got.dtype == torch.int64 and got.tolist() == expected


@pytest.mark.parametrize("t, message", [(torch.tensor([0, 10]), r"y must lie in 0\.\.9, got values in 0\.\.10"),
                                        (torch.tensor([-1, 2]), r"y must lie in 0\.\.9, got values in -1\.\.2"),
                                        (torch.tensor([1.0, 2.0]), r"y must be an integer tensor, got a torch\.float32"),
                                        (torch.tensor([True, False]), r"integer tensor, got a torch\.bool"),
                                        ([1, 2], r"integer tensor, got list")])
def test_indices_refuse_values_out_of_range_and_non_integers(t, message):
    with pytest.raises(ValueError, match=message):
        indices("y", t, 10)


def test_indices_one_per_example():
    assert indices("y", torch.tensor([1, 2, 3]), 10, examples=3).tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match=r"y must be an integer tensor of shape \(4,\), one per example, "
                                         r"got a torch\.int64 tensor of shape \(3,\)"):
        indices("y", torch.tensor([1, 2, 3]), 10, examples=4)


def test_same_shape_names_both_shapes():
    same_shape("mu", torch.zeros(2, 3), "logvar", torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"mu \(2, 3\) and logvar \(3, 2\) must have the same shape"):
        same_shape("mu", torch.zeros(2, 3), "logvar", torch.zeros(3, 2))
