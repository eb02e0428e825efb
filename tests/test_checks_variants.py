"""The checks of the conditional and convolutional VAE chapter: reference answers pass, typical mistakes fail clearly."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vae_course import ConditionalVAE
from conftest import failing_line
from vae_course.checks import variants as check


# variants/one-hot ------------------------------------------------------------------------------------

def with_label(v, y, n_classes=10):
    return torch.cat([v, F.one_hot(y.long(), n_classes).to(v.dtype)], dim=1)


def with_label_by_indexing(v, y, n_classes=10):
    return torch.cat([v, torch.eye(n_classes, dtype=v.dtype, device=v.device)[y.long()]], 1)


@pytest.mark.parametrize("answer", [with_label, with_label_by_indexing])
def test_one_hot_references_pass(answer):
    verdict = check.with_label(answer)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 7


def test_one_hot_matches_what_the_package_model_does():
    model = ConditionalVAE(h_dim=16, z_dim=3)
    z, y = torch.randn(5, 3), torch.tensor([0, 9, 4, 4, 1])
    torch.testing.assert_close(model.decode(z, y), model.decoder(with_label(z, y)))


@pytest.mark.parametrize("answer, failing, message", [
    # the width of the one-hot code follows the largest label in the batch
    (lambda v, y, n_classes=10: torch.cat([v, F.one_hot(y.long()).to(v.dtype)], 1), "batch size 1", "shape (1, 24)"),
    # F.one_hot refuses int32 labels
    (lambda v, y, n_classes=10: torch.cat([v, F.one_hot(y, n_classes).to(v.dtype)], 1), "int32 labels", "RuntimeError"),
    # a float32 code glued to a float64 batch: torch.cat promotes, but the habit of .float() loses the dtype
    (lambda v, y, n_classes=10: torch.cat([v, F.one_hot(y.long(), n_classes).float()], 1).float(), "float64 input",
     "dtype torch.float32, expected torch.float64"),
    # the label as one number instead of a one-hot code
    (lambda v, y, n_classes=10: torch.cat([v, y[:, None].to(v.dtype)], 1), "a batch of 8 images", "shape (8, 785)"),
    # concatenated along the batch instead of the features
    (lambda v, y, n_classes=10: torch.cat([v, F.one_hot(y.long(), v.shape[1]).to(v.dtype)], 0), "batch size 1",
     "shape (2, 20)"),
])
def test_one_hot_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.with_label(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
    assert "hint" in str(verdict) and "one_hot(y.long()" not in str(verdict)


# variants/conv-size ----------------------------------------------------------------------------------

def conv_output_size(size, kernel, stride, padding, transposed=False):
    if transposed:
        return (size - 1) * stride - 2 * padding + kernel
    return (size + 2 * padding - kernel) // stride + 1


def test_conv_size_reference_passes():
    verdict = check.conv_output_size(conv_output_size)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == len(check.CONV_SIZE_CASES)


@pytest.mark.parametrize("about, args", check.CONV_SIZE_CASES)
def test_conv_size_cases_agree_with_pytorch(about, args):
    size, kernel, stride, padding, transposed = args
    layer = (nn.ConvTranspose2d if transposed else nn.Conv2d)(1, 1, kernel, stride, padding)
    assert layer(torch.zeros(1, 1, size, size)).shape[-1] == conv_output_size(*args), about


@pytest.mark.parametrize("answer, failing, message", [
    # true division: a fraction where the kernel does not fit a whole number of times
    (lambda n, k, s, p, t=False: (n - 1) * s - 2 * p + k if t else (n + 2 * p - k) / s + 1, "odd size 9", "4.5"),
    # rounding up instead of down
    (lambda n, k, s, p, t=False: (n - 1) * s - 2 * p + k if t else -(-(n + 2 * p - k) // s) + 1, "odd size 9", "5"),
    # "a transposed convolution doubles the size": right only for k=4, s=2, p=1
    (lambda n, k, s, p, t=False: n * s if t else (n + 2 * p - k) // s + 1, "transposed convolution 4, k=3", "8"),
    # the convolution's formula solved for the input, with the padding's sign wrong
    (lambda n, k, s, p, t=False: (n - 1) * s + 2 * p + k if t else (n + 2 * p - k) // s + 1, "transposed convolution 7",
     "18"),
    # the padding counted on one side only
    (lambda n, k, s, p, t=False: (n - 1) * s - 2 * p + k if t else (n + p - k) // s + 1, "convolution 28 → 14", "13"),
])
def test_conv_size_mistakes_fail(answer, failing, message):
    verdict = check.conv_output_size(answer)
    assert not verdict.passed and "hint" in str(verdict)
    line = failing_line(verdict, failing)
    assert message in line and "expected" in line, line


# variants/style-grid ---------------------------------------------------------------------------------

def style_grid(z, n_classes=10):
    return z.repeat(n_classes, 1), torch.arange(n_classes).repeat_interleave(len(z))


def style_grid_by_expand(z, n_classes=10):
    n = len(z)
    labels = torch.arange(n_classes)[:, None].expand(n_classes, n).reshape(-1)
    return z[None].expand(n_classes, *z.shape).reshape(-1, z.shape[1]), labels


@pytest.mark.parametrize("answer", [style_grid, style_grid_by_expand])
def test_style_grid_references_pass(answer):
    verdict = check.style_grid(answer)
    assert verdict.passed, verdict.message


def test_style_grid_rows_are_labels_columns_are_codes():
    z = torch.randn(3, 4)
    codes, labels = style_grid(z, 5)
    assert torch.equal(codes.reshape(5, 3, 4)[2], z) and torch.equal(labels.reshape(5, 3)[:, 1], torch.arange(5))


@pytest.mark.parametrize("answer, failing, message", [
    # the transposed grid: each code repeated in a row, the labels running along it
    (lambda z, n=10: (z.repeat_interleave(n, 0), torch.arange(n).repeat(len(z))), "8 codes", "z: values differ"),
    # codes and labels each right on their own, but paired the wrong way
    (lambda z, n=10: (z.repeat(n, 1), torch.arange(n).repeat(len(z))), "8 codes", "labels: values differ"),
    # float labels: the conditional model refuses them
    (lambda z, n=10: (z.repeat(n, 1), torch.arange(n).repeat_interleave(len(z)).float()), "8 codes", "dtype torch.float32"),
    # labels as a column
    (lambda z, n=10: (z.repeat(n, 1), torch.arange(n).repeat_interleave(len(z))[:, None]), "a single code",
     "labels: shape (10, 1)"),
])
def test_style_grid_mistakes_fail(answer, failing, message):
    verdict = check.style_grid(answer)
    assert not verdict.passed and "hint" in str(verdict)
    assert message in failing_line(verdict, failing)


@pytest.mark.parametrize("answer, message", [
    (lambda z, n=10: z.repeat(n, 1), "expected a tuple (z, labels), got Tensor"),
    (lambda z, n=10: (z.repeat(n, 1),), "expected a tuple (z, labels), got tuple of length 1"),
    (lambda z, n=10: [z.repeat(n, 1).tolist(), list(range(n))], "z: expected a tensor, got list"),
    (None, "pass the function itself"),
])
def test_style_grid_wrong_types_never_crash(answer, message):
    verdict = check.style_grid(answer)
    assert not verdict.passed and message in verdict.message
