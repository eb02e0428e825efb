"""The checks of the chapter "From autoencoders to VAEs": right answers pass, typical wrong ones fail clearly."""
import pytest
import torch
import torch.nn.functional as F

from vae_course.checks import autoencoders as check
from vae_course.latent_grid import decode_grid as package_decode_grid
from conftest import failed_lines
from vae_course.latent_grid import hole_fraction as package_hole_fraction


# Reconstruction loss ---------------------------------------------------------------------------

def right_reconstruction(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def right_reconstruction_by_hand(logits, x):
    # log σ(l) = -softplus(-l) and log(1 - σ(l)) = -softplus(l): stable for any logit
    return (x * F.softplus(-logits) + (1 - x) * F.softplus(logits)).sum(dim=1)


@pytest.mark.parametrize("answer", [right_reconstruction, right_reconstruction_by_hand])
def test_right_reconstruction_passes(answer):
    verdict = check.reconstruction_loss(answer)
    assert verdict, verdict.message


@pytest.mark.parametrize("answer, message", [
    (lambda logits, x: F.binary_cross_entropy_with_logits(logits, x), "shape ()"),  # default reduction: one mean
    (lambda logits, x: F.binary_cross_entropy_with_logits(logits, x, reduction="none").mean(dim=1), "values differ"),
    (lambda logits, x: -(x * torch.log(torch.sigmoid(logits)) + (1 - x) * torch.log(1 - torch.sigmoid(logits))).sum(1),
     "NaN or infinity"),  # log of a sigmoid overflows for large logits
    (lambda logits, x: F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").sum(1), "values differ"),
    (lambda logits, x: F.binary_cross_entropy_with_logits(torch.sigmoid(logits), x, reduction="none").sum(1),
     "values differ"),  # sigmoid applied twice
])
def test_wrong_reconstruction_fails_with_a_useful_message(answer, message):
    verdict = check.reconstruction_loss(answer)
    assert not verdict and message in verdict.message
    assert "hint" in str(verdict)


def test_the_naive_formula_fails_only_where_sigmoid_saturates():
    def naive(logits, x):
        p = torch.sigmoid(logits)
        return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(1)
    failed = failed_lines(check.reconstruction_loss(naive))
    assert len(failed) == 2 and "hundreds" in failed[0] and "confident" in failed[1]  # 0 · log 0 = NaN


# Decoding a grid -------------------------------------------------------------------------------

def right_grid(decoder, z1_values, z2_values):
    z2, z1 = torch.meshgrid(z2_values, z1_values, indexing="ij")
    return torch.sigmoid(decoder(torch.stack([z1.flatten(), z2.flatten()], dim=1)))


def right_grid_by_loops(decoder, z1_values, z2_values):
    z = torch.tensor([[a, b] for b in z2_values.tolist() for a in z1_values.tolist()])
    return decoder(z).sigmoid()


@pytest.mark.parametrize("answer", [right_grid, right_grid_by_loops, package_decode_grid])
def test_right_grid_passes(answer):
    verdict = check.decode_grid(answer)
    assert verdict, verdict.message


def transposed_grid(decoder, z1_values, z2_values):  # z1 down the rows, z2 along them
    z1, z2 = torch.meshgrid(z1_values, z2_values, indexing="ij")
    return torch.sigmoid(decoder(torch.stack([z1.flatten(), z2.flatten()], dim=1)))


def swapped_coordinates(decoder, z1_values, z2_values):  # points stacked as (z2, z1)
    z2, z1 = torch.meshgrid(z2_values, z1_values, indexing="ij")
    return torch.sigmoid(decoder(torch.stack([z2.flatten(), z1.flatten()], dim=1)))


def logits_not_means(decoder, z1_values, z2_values):
    z2, z1 = torch.meshgrid(z2_values, z1_values, indexing="ij")
    return decoder(torch.stack([z1.flatten(), z2.flatten()], dim=1))


def image_shaped(decoder, z1_values, z2_values):
    return right_grid(decoder, z1_values, z2_values).reshape(len(z2_values), len(z1_values), -1)


@pytest.mark.parametrize("answer, message", [
    (transposed_grid, "values differ"),
    (swapped_coordinates, "values differ"),
    (logits_not_means, "values differ"),
    (image_shaped, "shape (2, 3, 2)"),
    (lambda decoder, z1_values, z2_values: decoder(z1_values), "Error"),  # a crash is reported, not raised
])
def test_wrong_grid_fails_with_a_useful_message(answer, message):
    verdict = check.decode_grid(answer)
    assert not verdict and message in verdict.message
    assert "hint" in str(verdict)


def test_the_grid_check_is_the_same_at_every_call():
    first, second = check.decode_grid.cases(), check.decode_grid.cases()
    assert all(torch.equal(a.expected, b.expected) for a, b in zip(first, second))


# Hole fraction ---------------------------------------------------------------------------------

def right_holes(points, codes, radius):
    return (torch.cdist(points, codes).min(dim=1).values > radius).float().mean().item()


def right_holes_by_broadcasting(points, codes, radius):
    distances = (points[:, None, :] - codes[None, :, :]).norm(dim=-1)
    return (distances.min(dim=1).values > radius).float().mean()  # a 0-d tensor is fine too


@pytest.mark.parametrize("answer", [right_holes, right_holes_by_broadcasting, package_hole_fraction])
def test_right_holes_pass(answer):
    verdict = check.hole_fraction(answer)
    assert verdict, verdict.message


@pytest.mark.parametrize("answer", [
    lambda points, codes, radius: (torch.cdist(points, codes).min(dim=1).values > radius).sum().item(),  # a count
    lambda points, codes, radius: (torch.cdist(points, codes).min(dim=1).values < radius).float().mean().item(),
    lambda points, codes, radius: (torch.cdist(points, codes).mean(dim=1) > radius).float().mean().item(),
    lambda points, codes, radius: (torch.cdist(points, codes).min(dim=1).values ** 2 > radius).float().mean().item(),
])
def test_wrong_holes_fail(answer):
    verdict = check.hole_fraction(answer)
    assert not verdict and "differs from the expected value" in verdict.message
    assert "hint" in str(verdict)
