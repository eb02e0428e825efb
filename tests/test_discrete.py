"""vae_course.discrete against independent computations: torch.distributions, brute force, hand-written EMA."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Categorical, kl_divergence

from vae_course.discrete import (CategoricalVAE, CodePrior, VectorQuantizer, VQVAE, categorical_elbo, kl_to_uniform,
                                 perplexity)


def test_kl_to_uniform_equals_torch_distributions():
    logits = torch.randn(5, 20, 10) * 3
    uniform = Categorical(logits=torch.zeros(10))
    expected = kl_divergence(Categorical(logits=logits), uniform).sum(1)
    assert torch.allclose(kl_to_uniform(logits), expected, atol=1e-5)
    assert torch.allclose(kl_to_uniform(torch.zeros(2, 20, 10)), torch.zeros(2), atol=1e-5)
    one_hot = torch.full((1, 3, 10), -1e4).scatter(2, torch.zeros(1, 3, 1, dtype=torch.long), 0.0)
    assert math.isclose(kl_to_uniform(one_hot).item(), 3 * math.log(10), rel_tol=1e-5)


def test_categorical_elbo_is_reconstruction_minus_kl_with_exact_samples():
    torch.manual_seed(0)
    model = CategoricalVAE(n_vars=3, n_classes=4, h_dim=16)
    x = torch.bernoulli(torch.rand(6, 784))
    torch.manual_seed(1)
    got = categorical_elbo(model, x)
    torch.manual_seed(1)
    q = Categorical(logits=model.encode(x))
    z = F.one_hot(q.sample(), 4).float()
    log_px_z = torch.distributions.Bernoulli(logits=model.decode(z)).log_prob(x).sum(1)
    assert torch.allclose(got, log_px_z - kl_divergence(q, Categorical(logits=torch.zeros(4))).sum(1), atol=1e-4)


def test_categorical_vae_errors_and_sample():
    model = CategoricalVAE(n_vars=4, n_classes=3, h_dim=8)
    with pytest.raises(ValueError, match=r"z must be \(N, 4, 3\)"):
        model.decode(torch.zeros(2, 12))
    with pytest.raises(ValueError, match="tau must be a positive"):
        model(torch.rand(2, 784), tau=0)
    samples = model.sample(5)
    assert samples.shape == (5, 784) and ((samples >= 0) & (samples <= 1)).all()


def test_quantizer_picks_the_nearest_code_like_brute_force():
    torch.manual_seed(0)
    vq = VectorQuantizer(32, 8)
    z_e = torch.randn(3, 8, 5, 4) * 0.1
    vectors = z_e.permute(0, 2, 3, 1).reshape(-1, 8)
    brute = torch.tensor([min(range(32), key=lambda k: (v - vq.codebook[k]).pow(2).sum().item()) for v in vectors])
    assert torch.equal(vq.nearest(z_e).flatten(), brute)


def test_quantizer_losses_and_straight_through_gradient():
    torch.manual_seed(0)
    vq = VectorQuantizer(16, 4)
    z_e = torch.randn(2, 4, 3, 3, requires_grad=True)
    out = vq(z_e)
    e = vq.codebook[out.codes].permute(0, 3, 1, 2)
    assert torch.allclose(out.z_q, e) and out.codes.shape == (2, 3, 3)
    expected = (z_e - e).pow(2).sum((1, 2, 3))
    assert torch.allclose(out.codebook_loss, expected) and torch.allclose(out.commitment_loss, expected)
    weights = torch.randn_like(z_e)
    (out.z_q * weights).sum().backward()
    assert torch.equal(z_e.grad, weights), "straight-through: the decoder's gradient reaches z_e unchanged"
    vq.zero_grad()
    out = vq(z_e.detach().requires_grad_())
    out.codebook_loss.sum().backward()
    assert vq.codebook.grad.abs().sum() > 0
    assert out.z_q.grad_fn is not None


def test_ema_update_matches_a_hand_computation():
    torch.manual_seed(0)
    vq = VectorQuantizer(4, 2, ema=True, decay=0.9)
    start = vq.codebook.clone()
    z_e = torch.randn(1, 2, 2, 3)
    codes = vq.nearest(z_e).flatten()
    vq.train()(z_e)
    flat = z_e.permute(0, 2, 3, 1).reshape(-1, 2)
    count = 0.9 * torch.ones(4) + 0.1 * torch.bincount(codes, minlength=4)
    total = torch.stack([flat[codes == k].sum(0) for k in range(4)])
    ema_sum = 0.9 * start + 0.1 * total
    smoothed = (count + 1e-5) / (count.sum() + 4e-5) * count.sum()
    assert torch.allclose(vq.codebook, ema_sum / smoothed.unsqueeze(1), atol=1e-6)
    assert torch.equal(vq(z_e).codebook_loss, torch.zeros(1)), "EMA codebooks learn no gradient"


def test_dead_codes_restart_on_encoder_outputs():
    torch.manual_seed(0)
    vq = VectorQuantizer(8, 3)
    with torch.no_grad():
        vq.codebook[1:] += 100.0  # only code 0 is near the data
    z_e = torch.randn(4, 3, 2, 2)
    vq.train()(z_e)
    assert vq.usage[0] == 16 and vq.usage[1:].sum() == 0
    assert vq.restart_dead_codes(z_e) == 7
    vectors = z_e.permute(0, 2, 3, 1).reshape(-1, 3)
    assert all((vectors == code).all(1).any() for code in vq.codebook[1:]), "restarted codes sit on encoder outputs"
    assert vq.usage.sum() == 0


def test_quantizer_errors_name_the_problem():
    vq = VectorQuantizer(8, 3)
    with pytest.raises(ValueError, match="match the codebook's width 3"):
        vq(torch.randn(2, 5, 7, 7))
    with pytest.raises(ValueError, match=r"codes must lie in 0..7"):
        vq.lookup(torch.tensor([[[8]]]))
    with pytest.raises(ValueError, match="integer tensor"):
        vq.lookup(torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"a grid of codes \(N, H, W\)"):
        vq.lookup(torch.zeros(4, dtype=torch.int64))
    codes = torch.tensor([[[0, 7], [3, 1]]])
    assert torch.equal(vq.lookup(codes.to(torch.uint8)), vq.lookup(codes))  # indices, not a mask
    with pytest.raises(ValueError, match="decay"):
        VectorQuantizer(8, 3, ema=True, decay=1.0)


def test_perplexity_is_exp_entropy():
    assert math.isclose(perplexity(torch.arange(10).repeat(3), 10), 10, rel_tol=1e-9)
    assert math.isclose(perplexity(torch.full((7, 7), 2), 64), 1.0)
    codes = torch.tensor([0, 0, 0, 1])
    assert math.isclose(perplexity(codes, 5), math.exp(Categorical(probs=torch.tensor([0.75, 0.25])).entropy().item()),
                        rel_tol=1e-6)
    with pytest.raises(ValueError, match="0..4"):
        perplexity(torch.tensor([5]), 5)
    with pytest.raises(ValueError, match="integer"):
        perplexity(torch.rand(3), 5)


def test_vqvae_shapes_and_decode_codes():
    model = VQVAE(n_codes=8, dim=4, channels=8)
    logits, out = model(torch.rand(3, 784))
    assert logits.shape == (3, 784) and out.codes.shape == (3, 7, 7)
    assert torch.allclose(model.decode_codes(out.codes), logits)


def test_code_prior_is_causal_and_normalized():
    torch.manual_seed(0)
    prior = CodePrior(5, length=6, width=16, layers=1, heads=2).eval()
    codes = torch.randint(5, (2, 6))
    logits = prior(codes)
    for i in range(6):  # changing codes at positions ≥ i leaves the predictions for positions ≤ i unchanged
        changed = codes.clone()
        changed[:, i:] = (changed[:, i:] + 1) % 5
        assert torch.allclose(prior(changed)[:, : i + 1], logits[:, : i + 1], atol=1e-5)
    manual = torch.log_softmax(logits, -1).gather(2, codes.unsqueeze(2)).squeeze(2).sum(1)
    assert torch.allclose(prior.log_prob(codes), manual, atol=1e-5)
    every = torch.cartesian_prod(*[torch.arange(5)] * 3)  # a 3-code prior sums to 1 over all 125 sequences
    small = CodePrior(5, length=3, width=8, layers=1, heads=2).eval()
    with torch.no_grad():
        assert math.isclose(small.log_prob(every).exp().sum().item(), 1.0, rel_tol=1e-4)
    samples = prior.sample(4)
    assert samples.shape == (4, 6) and samples.dtype == torch.int64 and 0 <= samples.min() and samples.max() < 5


def test_code_prior_errors():
    prior = CodePrior(5, length=6, width=16, layers=1, heads=2)
    with pytest.raises(ValueError, match=r"with 6 codes per image, got shape \(2, 7\)"):
        prior(torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match=r"0..4"):
        prior(torch.full((2, 6), 5))
    with pytest.raises(ValueError, match="codes must be an integer tensor, got a torch.float32"):
        prior(torch.zeros(2, 6))
