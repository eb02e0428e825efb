"""The checks of the widgets chapter: reference answers pass, typical mistakes fail with a useful message."""
import numpy as np
import pytest
import torch

from conftest import failing_line
from vae_course.checks import widgets as check


# widgets/nearest-code --------------------------------------------------------------------------------

def nearest_code(z, codes):
    return int(((codes - z) ** 2).sum(dim=1).argmin())


@pytest.mark.parametrize("answer", [
    nearest_code,
    lambda z, codes: torch.cdist(z[None], codes)[0].argmin(),                 # a 0-d integer tensor
    lambda z, codes: (codes - z).norm(dim=1).argmin().item(),
    lambda z, codes: np.argmin(np.linalg.norm(codes.numpy() - z.numpy(), axis=1)),  # a NumPy integer
])
def test_nearest_references_pass(answer):
    verdict = check.nearest_code(answer)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 5


@pytest.mark.parametrize("answer, about, message", [
    # the farthest code
    (lambda z, codes: int(((codes - z) ** 2).sum(1).argmax()), "near the origin", "is not the expected value"),
    # the distances themselves
    (lambda z, codes: ((codes - z) ** 2).sum(1), "near the origin", "expected one integer, got a tensor of shape (500,)"),
    # only the first coordinate
    (lambda z, codes: int((codes[:, 0] - z[0]).abs().argmin()), "only z1 or only z2", "2, "),
    # the sum of the differences, not of their squares: signs cancel
    (lambda z, codes: int((codes - z).sum(1).abs().argmin()), "near the origin", "is not the expected value"),
    # the smallest distance instead of where it is
    (lambda z, codes: ((codes - z) ** 2).sum(1).min(), "a single code", "expected a position (an integer), got the float"),
    # the code itself instead of its index
    (lambda z, codes: codes[((codes - z) ** 2).sum(1).argmin()], "near the origin", "got a tensor of shape (2,)"),
])
def test_nearest_mistakes_fail_with_a_reason(answer, about, message):
    verdict = check.nearest_code(answer)
    assert not verdict.passed and "hint" in str(verdict)
    assert message in failing_line(verdict, about)
    assert "argmin" not in verdict.hint and "cdist" not in verdict.hint  # the hint does not give the answer away


# widgets/manifold-cell -------------------------------------------------------------------------------

def manifold_cell(z, z1_values, z2_values):
    row = int((z2_values - z[1]).abs().argmin())
    col = int((z1_values - z[0]).abs().argmin())
    return row, col


def manifold_cell_grid(z, z1_values, z2_values):
    """Through the image-ordered grid of all points: index k of the nearest point is row k // n1, column k % n1."""
    rows, cols = torch.meshgrid(z2_values, z1_values, indexing="ij")
    k = int(((cols.flatten() - z[0]) ** 2 + (rows.flatten() - z[1]) ** 2).argmin())
    return [k // len(z1_values), torch.tensor(k % len(z1_values))]  # a list, and a tensor, are fine


@pytest.mark.parametrize("answer", [manifold_cell, manifold_cell_grid])
def test_manifold_references_pass(answer):
    verdict = check.manifold_cell(answer)
    assert verdict.passed, verdict.message
    assert verdict.message.count("✓") == 5


@pytest.mark.parametrize("answer, about, message", [
    # rows counted from the bottom, as if the top row had the smallest z2
    (lambda z, a, b: (len(b) - 1 - manifold_cell(z, a, b)[0], manifold_cell(z, a, b)[1]), "upper right", "(14, 13)"),
    # (column, row) instead of (row, column)
    (lambda z, a, b: manifold_cell(z, a, b)[::-1], "upper right", "is not the expected value"),
    # the row from z1 and the column from z2
    (lambda z, a, b: (int((b - z[0]).abs().argmin()), int((a - z[1]).abs().argmin())), "lower left", "is not the expected"),
    # the grid values instead of the positions
    (lambda z, a, b: (b[manifold_cell(z, a, b)[0]], a[manifold_cell(z, a, b)[1]]), "upper right", "got the float"),
    # one flat index instead of (row, column)
    (lambda z, a, b: manifold_cell(z, a, b)[0] * len(a) + manifold_cell(z, a, b)[1], "upper right",
     "expected two integers (row, column), got int"),
])
def test_manifold_mistakes_fail_with_a_reason(answer, about, message):
    verdict = check.manifold_cell(answer)
    assert not verdict.passed and "hint" in str(verdict)
    assert message in failing_line(verdict, about)


# Both ------------------------------------------------------------------------------------------------

CHECKS = [check.nearest_code, check.manifold_cell]
