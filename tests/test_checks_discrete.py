"""The checks of the discrete-latents chapter: reference answers pass, typical mistakes fail clearly."""
import math

import pytest
import torch
import torch.nn.functional as F

from vae_course.checks import discrete as check

from conftest import failing_line


# discrete/gumbel-max -------------------------------------------------------------------------------

def gumbel_max(logits, u):
    return torch.argmax(logits - torch.log(-torch.log(u)), dim=-1)


def test_gumbel_max_reference_and_equivalent_forms_pass():
    assert check.gumbel_max(gumbel_max).message.count("✓") == 5
    assert check.gumbel_max(lambda logits, u: (logits - (-u.log()).log()).max(-1).indices)
    assert check.gumbel_max(lambda logits, u: (F.log_softmax(logits, -1) - torch.log(-torch.log(u))).argmax(-1))


@pytest.mark.parametrize("answer, failing, message", [
    (lambda logits, u: (logits + torch.log(u)).argmax(-1), "batch of 16", "values differ"),
    (lambda logits, u: (logits + torch.log(-torch.log(u))).argmax(-1), "batch of 16", "values differ"),
    (lambda logits, u: (torch.softmax(logits, -1) - torch.log(-torch.log(u))).argmax(-1), "large logits", "values differ"),
    (lambda logits, u: F.one_hot((logits - torch.log(-torch.log(u))).argmax(-1), logits.shape[-1]), "batch of 16", "shape"),
    (lambda logits, u: (logits - torch.log(-torch.log(u))).argmax(0), "batch of 16", "shape"),
])
def test_gumbel_max_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.gumbel_max(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
    assert "hint" in str(verdict)


# discrete/straight-through -------------------------------------------------------------------------

def straight_through(soft):
    hard = F.one_hot(soft.argmax(-1), soft.shape[-1]).to(soft.dtype)
    return hard + soft - soft.detach()


def test_straight_through_reference_and_equivalent_forms_pass():
    assert check.straight_through(straight_through).message.count("✓") == 4
    assert check.straight_through(lambda soft: (F.one_hot(soft.argmax(-1), soft.shape[-1]) - soft).detach() + soft)


@pytest.mark.parametrize("answer, failing, message", [
    (lambda soft: F.one_hot(soft.argmax(-1), soft.shape[-1]).float(), "batch of 8", "no gradient path"),
    (lambda soft: soft, "batch of 8", "values differ"),
    (lambda soft: F.one_hot(soft.argmax(-1), soft.shape[-1]) * soft, "batch of 8", "values differ"),
    (lambda soft: soft.detach() + F.one_hot(soft.argmax(-1), soft.shape[-1]) - soft, "batch of 8", "values differ"),
])
def test_straight_through_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.straight_through(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)


# discrete/perplexity --------------------------------------------------------------------------------

def codebook_perplexity(codes, n_codes):
    p = torch.bincount(codes.flatten(), minlength=n_codes).double() / codes.numel()
    return torch.exp(-torch.special.xlogy(p, p).sum()).item()


def test_perplexity_reference_passes():
    assert check.codebook_perplexity(codebook_perplexity).message.count("✓") == 5


@pytest.mark.parametrize("answer, failing, message", [
    (lambda codes, n: math.exp(-sum(p * math.log(p) for p in (torch.bincount(codes.flatten(), minlength=n) / codes.numel()).tolist())),
     "2 of 64 codes used", "ValueError"),  # log 0 of an unused code
    (lambda codes, n: float(-torch.special.xlogy(p := torch.bincount(codes.flatten(), minlength=n) / codes.numel(), p).sum()),
     "7×7", "differs"),  # the entropy, not its exp
    (lambda codes, n: float(codes.unique().numel()), "int32 codes, skewed usage", "differs"),  # the number of used codes
    (lambda codes, n: torch.exp(-torch.special.xlogy(p := torch.bincount(codes.flatten()) / n, p).sum()).item(),
     "7×7", "differs"),  # divided by the number of codes, not of positions
])
def test_perplexity_mistakes_fail_with_a_reason(answer, failing, message):
    verdict = check.codebook_perplexity(answer)
    assert not verdict.passed
    assert message in failing_line(verdict, failing)
