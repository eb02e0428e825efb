"""The checks of the chapter "Building the VAE and its loss": right answers pass, typical wrong ones fail clearly."""
import pytest
import torch
import torch.nn.functional as F

from vae_course import bernoulli_reconstruction, kl_divergence, vae_loss
from conftest import failed_lines
from vae_course.checks import building as check


# The forward pass with a given noise ----------------------------------------------------------

def right_forward(model, x, eps):
    h = F.relu(model.fc1(x.view(len(x), -1)))
    mu, logvar = model.fc21(h), model.fc22(h)
    z = mu + torch.exp(0.5 * logvar) * eps
    return model.fc4(F.relu(model.fc3(z))), mu, logvar


def right_forward_other_spelling(model, x, eps):
    h = torch.relu(model.fc1(x.flatten(start_dim=1)))
    mu, logvar = model.fc21(h), model.fc22(h)
    logits = model.fc4(model.fc3(mu + logvar.mul(0.5).exp() * eps).clamp(min=0))
    return [logits, mu, logvar]  # a list is fine too


@pytest.mark.parametrize("answer", [right_forward, right_forward_other_spelling])
def test_right_forward_passes(answer):
    verdict = check.forward(answer)
    assert verdict, verdict.message


def variance_as_std(model, x, eps):  # σ = exp(log σ²): the variance used as the standard deviation
    h = F.relu(model.fc1(x.view(len(x), -1)))
    mu, logvar = model.fc21(h), model.fc22(h)
    return model.fc4(F.relu(model.fc3(mu + torch.exp(logvar) * eps))), mu, logvar


def fresh_noise(model, x, eps):  # ignores the given ε, as the model's own forward does
    h = F.relu(model.fc1(x.view(len(x), -1)))
    mu, logvar = model.fc21(h), model.fc22(h)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    return model.fc4(F.relu(model.fc3(z))), mu, logvar


def probabilities(model, x, eps):  # sigmoid on the output: means, not logits
    logits, mu, logvar = right_forward(model, x, eps)
    return torch.sigmoid(logits), mu, logvar


def hard_coded_784(model, x, eps):
    h = F.relu(model.fc1(x.view(-1, 784)))
    mu, logvar = model.fc21(h), model.fc22(h)
    return model.fc4(F.relu(model.fc3(mu + torch.exp(0.5 * logvar) * eps))), mu, logvar


def swapped_heads(model, x, eps):  # fc22 read as the mean
    h = F.relu(model.fc1(x.view(len(x), -1)))
    logvar, mu = model.fc21(h), model.fc22(h)
    return model.fc4(F.relu(model.fc3(mu + torch.exp(0.5 * logvar) * eps))), mu, logvar


def no_flatten(model, x, eps):
    h = F.relu(model.fc1(x))
    mu, logvar = model.fc21(h), model.fc22(h)
    return model.fc4(F.relu(model.fc3(mu + torch.exp(0.5 * logvar) * eps))), mu, logvar


@pytest.mark.parametrize("answer, message", [
    (variance_as_std, ("logits: ", "values differ")),
    (fresh_noise, ("logits: ", "values differ")),
    (probabilities, ("logits: ", "values differ")),
    (hard_coded_784, ("RuntimeError",)),  # the 6-5-2 model has 6 pixels
    (swapped_heads, ("mu: ", "values differ")),
    (no_flatten, ("RuntimeError",)),  # images (N, 1, 28, 28) reach fc1 unflattened
    (lambda model, x, eps: right_forward(model, x, eps)[0], ("expected a tuple (logits, mu, logvar), got Tensor",)),
    (lambda model, x, eps: right_forward(model, x, eps)[:2], ("expected a tuple (logits, mu, logvar), got tuple of length 2",)),
    (lambda model, x, eps: (right_forward(model, x, eps)[0].reshape(len(x), 1, 28, 28), *right_forward(model, x, eps)[1:]),
     ("logits: ", "expected (16, 784)")),
])
def test_wrong_forward_fails_with_a_useful_message(answer, message):
    verdict = check.forward(answer)
    assert not verdict and all(part in verdict.message for part in message), verdict.message
    assert "hint" in str(verdict)


def test_hard_coded_784_fails_only_on_the_small_model():
    failed = failed_lines(check.forward(hard_coded_784))
    assert len(failed) == 1 and "6-5-2" in failed[0]


def test_the_forward_check_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    before = torch.get_rng_state()
    check.forward(right_forward)
    assert torch.equal(before, torch.get_rng_state())


def test_the_forward_check_is_the_same_at_every_call():
    first, second = check.forward.cases(), check.forward.cases()
    for a, b in zip(first, second):
        assert all(torch.equal(u, v) for u, v in zip(a.expected, b.expected))


# The fixed loss: sum over pixels, mean over the batch -------------------------------------------

def right_loss(logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return (rec + kl).mean()


def right_loss_rescaled(logits, x, mu, logvar):  # the tutorial's mean times 784 is the per-image sum
    return 784 * F.binary_cross_entropy_with_logits(logits, x) + kl_divergence(mu, logvar).mean()


def right_loss_from_the_package(logits, x, mu, logvar):
    return (bernoulli_reconstruction(logits, x) + kl_divergence(mu, logvar)).mean()


@pytest.mark.parametrize("answer", [right_loss, right_loss_rescaled, right_loss_from_the_package, vae_loss])
def test_right_loss_passes(answer):
    verdict = check.sum_over_pixels(answer)
    assert verdict, verdict.message


def tutorial_loss(logits, x, mu, logvar):  # the bug of the chapter: the mean over pixels
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="mean")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1).mean()


def summed_over_the_batch(logits, x, mu, logvar):  # pytorch/examples: a sum over the batch as well
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") + kl_divergence(mu, logvar).sum()


def double_sigmoid(logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(torch.sigmoid(logits), x, reduction="none").sum(dim=1)
    return (rec + kl_divergence(mu, logvar)).mean()


def kl_averaged_over_latents(logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    return rec.mean() + 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean()


@pytest.mark.parametrize("answer", [tutorial_loss, summed_over_the_batch, double_sigmoid, kl_averaged_over_latents])
def test_wrong_loss_fails_with_a_useful_message(answer):
    verdict = check.sum_over_pixels(answer)
    assert not verdict and "values differ" in verdict.message
    assert "hint" in str(verdict)


def test_a_sum_over_the_batch_passes_only_for_batch_size_1():
    passed = [line for line in check.sum_over_pixels(summed_over_the_batch).lines if line.lstrip().startswith("✓")]
    assert len(passed) == 1 and "batch size 1" in passed[0]


def test_a_loss_per_example_fails_on_shape():
    verdict = check.sum_over_pixels(lambda logits, x, mu, logvar: bernoulli_reconstruction(logits, x) + kl_divergence(mu, logvar))
    assert not verdict and "shape (128,), expected ()" in verdict.message


def test_the_hint_does_not_give_the_answer_away():
    for verdict in (check.sum_over_pixels(tutorial_loss), check.forward(probabilities)):
        hint = verdict.hint
        assert "reduction=" not in hint and ".sum(" not in hint and ".mean(" not in hint and "784 *" not in hint


# Both checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("check_function, exercise", [(check.forward, "building/forward"),
                                                      (check.sum_over_pixels, "building/sum-over-pixels")])
def test_verdicts_name_their_exercise(check_function, exercise):
    assert check_function(None).exercise == exercise
