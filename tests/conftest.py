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


def all_checks() -> dict:
    """Every exercise check of the course, by exercise id (tests/test_checks_robust.py checks that none is missing)."""
    from vae_course.checks import (autoencoders, beta, building, discrete, elbo, evaluation, gap, latent, probability,
                                   reparameterization, today, training, variants, widgets)

    return {
        "autoencoders/reconstruction-loss": autoencoders.reconstruction_loss,
        "autoencoders/decode-grid": autoencoders.decode_grid,
        "autoencoders/hole-fraction": autoencoders.hole_fraction,
        "probability/kl-gaussians": probability.kl_gaussians,
        "probability/bernoulli-log-likelihood": probability.bernoulli_log_likelihood,
        "probability/gaussian-log-likelihood": probability.gaussian_log_likelihood,
        "elbo/log-evidence": elbo.log_evidence,
        "elbo/posterior": elbo.exact_posterior,
        "elbo/gap": elbo.elbo_gap,
        "reparameterization/reparameterize": reparameterization.reparameterize,
        "reparameterization/score-function": reparameterization.score_function_gradient,
        "reparameterization/exact-gradient": reparameterization.exact_gradient,
        "building/forward": building.forward,
        "building/sum-over-pixels": building.sum_over_pixels,
        "training/vae-loss": training.vae_loss,
        "training/kl-sign": training.kl_term,
        "latent/normal-quantiles": latent.normal_quantiles,
        "latent/interpolate": latent.interpolate,
        "latent/active-units": latent.active_units,
        "beta/warmup": beta.kl_warmup,
        "beta/beta-loss": beta.beta_loss,
        "beta/active-units": beta.active_units,
        "variants/one-hot": variants.with_label,
        "variants/style-grid": variants.style_grid,
        "variants/conv-size": variants.conv_output_size,
        "evaluation/iwae-logsumexp": evaluation.iwae_estimate,
        "evaluation/sampled-elbo": evaluation.elbo_estimate,
        "evaluation/binary-likelihood": evaluation.binary_log_likelihood,
        "widgets/nearest-code": widgets.nearest_code,
        "widgets/manifold-cell": widgets.manifold_cell,
        "discrete/gumbel-max": discrete.gumbel_max,
        "discrete/straight-through": discrete.straight_through,
        "discrete/perplexity": discrete.codebook_perplexity,
        "today/discretized-logistic": today.discretized_logistic,
        "today/optimal-sigma": today.optimal_sigma,
        "today/forward-noising": today.forward_noising,
        "gap/iwae-bound": gap.iwae_bound,
        "gap/coupling": gap.coupling,
        "gap/free-bits": gap.free_bits,
    }
