"""Tighter bounds and richer posteriors: the IWAE bound, free bits, the coupling flow, the per-image posterior,
the learning-rate schedule and the best model, each against an independent computation."""
import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal

from vae_course import (MNIST, VAE, FlowVAE, evaluate, exponential_decay, fit, free_bits_kl, iwae_bound,
                        kl_divergence, log_likelihood, seed_everything)
from vae_course.evaluate import refine_posterior
from vae_course.models import MODELS, Coupling
from vae_course.train import load_checkpoint, save_checkpoint


def tiny(z_dim=1, x_dim=3, seed=0):
    torch.manual_seed(seed)
    return VAE(x_dim=x_dim, h_dim=8, z_dim=z_dim).eval()


def exact_log_px(model, x):
    """log p(x) = log ∫ p(x|z) N(z; 0, 1) dz for a 1-D latent, by the trapezoidal rule on a fine grid."""
    z = torch.linspace(-10, 10, 20001, dtype=torch.float64)[:, None]
    with torch.no_grad():
        logits = model.double()._decode(z)
    model.float()
    log_joint = Bernoulli(logits=logits[:, None, :]).log_prob(x.double()[None]).sum(-1) + Normal(0., 1.).log_prob(z)
    return torch.logsumexp(log_joint + math.log(z[1, 0] - z[0, 0]), 0)  # (N,), trapezoid ends are negligible


def test_iwae_bound_equals_a_computation_with_torch_distributions():
    model, x = tiny(z_dim=3, x_dim=5), torch.tensor([[1., 0., 1., 1., 0.], [0., 0., 1., 0., 1.]])
    got = iwae_bound(model, x, k=7, generator=torch.Generator().manual_seed(3))
    mu, logvar = model.encode(x)
    eps = torch.randn((7, 2, 3), generator=torch.Generator().manual_seed(3))
    z = mu + torch.exp(0.5 * logvar) * eps
    log_w = (Bernoulli(logits=model.decode(z.reshape(14, 3)).reshape(7, 2, 5)).log_prob(x).sum(-1)
             + Normal(0., 1.).log_prob(z).sum(-1) - Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1))
    torch.testing.assert_close(got, torch.logsumexp(log_w, 0) - math.log(7))


def test_iwae_bound_rises_with_k_toward_the_exact_log_likelihood():
    model, x = tiny(), torch.tensor([[1., 0., 1.], [0., 0., 0.], [1., 1., 1.]])
    with torch.no_grad():
        model.decoder[-1].weight.mul_(8.0)  # a sharp decoder: a posterior far from what the encoder says
    exact = exact_log_px(model, x).float()
    generator = torch.Generator().manual_seed(0)
    draws = [torch.stack([iwae_bound(model, x, k=k, generator=generator) for _ in range(200)]).detach() for k in (1, 10, 100)]
    means, errors = [d.mean(0) for d in draws], [d.std(0) / 200 ** 0.5 for d in draws]
    assert (means[0] < means[1]).all() and (means[1] < means[2]).all()
    assert (means[2] < exact + 3 * errors[2]).all() and (exact - means[0] > 0.05).all()
    torch.testing.assert_close(log_likelihood(model, x, k=20000, generator=generator), exact, atol=0.02, rtol=0)


def test_iwae_gradient_is_the_normalized_weights_average():
    """∇L_k = Σᵢ w̃ᵢ ∇ log wᵢ with w̃ the normalized weights (the same draws)."""
    model, x = tiny(z_dim=2, x_dim=4), torch.tensor([[1., 0., 1., 1.]])
    model.train()
    grads = []
    for weighted in (False, True):
        model.zero_grad()
        generator = torch.Generator().manual_seed(5)
        if weighted:
            from vae_course.losses import _log_weights
            log_px_z, log_ratio = _log_weights(model, x, None, 6, generator)
            log_w = log_px_z - log_ratio
            (torch.softmax(log_w, 0).detach() * log_w).sum().backward()
        else:
            iwae_bound(model, x, k=6, generator=generator).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert (grads[0] - grads[1]).abs().max() < 1e-4 * grads[0].abs().max()


def test_iwae_bound_rejects_bad_input():
    model = tiny(z_dim=2, x_dim=4)
    with pytest.raises(ValueError, match="k must be a positive"):
        iwae_bound(model, torch.zeros(1, 4), k=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        iwae_bound(model, torch.full((1, 4), 2.0))
    with pytest.raises(ValueError, match="4 values per example"):
        iwae_bound(model, torch.zeros(1, 5))


def test_free_bits_kl_is_the_floored_sum_of_batch_mean_kls():
    mu, logvar = torch.tensor([[0.0, 2.0], [0.1, 1.0]]), torch.tensor([[0.0, -1.0], [-0.1, 0.0]])
    per_dim = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).mean(0)
    assert per_dim[0] < 0.5 < per_dim[1]
    torch.testing.assert_close(free_bits_kl(mu, logvar, 0.5), 0.5 + per_dim[1])
    torch.testing.assert_close(free_bits_kl(mu, logvar, 0.0), kl_divergence(mu, logvar).mean())
    mu.requires_grad_()
    free_bits_kl(mu, logvar, 0.5).backward()
    assert (mu.grad[:, 0] == 0).all() and (mu.grad[:, 1] != 0).all()  # a dimension under the floor feels no pull
    with pytest.raises(ValueError, match="non-negative"):
        free_bits_kl(mu, logvar, -1.0)
    with pytest.raises(ValueError, match=r"\(batch, z_dim\)"):
        free_bits_kl(mu[0], logvar[0], 0.5)


def test_coupling_log_det_equals_the_jacobians():
    torch.manual_seed(0)
    step = Coupling(z_dim=5, h_dim=3, hidden=16, flip=True)
    for p in step.parameters():
        torch.nn.init.normal_(p, std=0.5)  # not the identity it starts as
    z, h = torch.randn(5), torch.randn(3)
    _, log_det = step(z, h)
    jacobian = torch.autograd.functional.jacobian(lambda v: step(v, h)[0], z)
    torch.testing.assert_close(log_det, torch.linalg.slogdet(jacobian)[1])


def test_untrained_coupling_is_the_identity():
    step, z = Coupling(z_dim=4, h_dim=2, hidden=8, flip=False), torch.randn(3, 4)
    out, log_det = step(z, torch.randn(3, 2))
    assert torch.equal(out, z) and torch.equal(log_det, torch.zeros(3))


def invert(step, z, h):
    """The inverse of a coupling step: a passes unchanged, so s and t can be recomputed; b = (b′ − t) exp(−s)."""
    z = z.flip(-1) if step.flip else z
    a, b = z[..., :step.n_a], z[..., step.n_a:]
    s, t = step.net(torch.cat([a, h], -1)).chunk(2, -1)
    z = torch.cat([a, (b - t) * torch.exp(-torch.tanh(s))], -1)
    return z.flip(-1) if step.flip else z


@torch.no_grad()
def test_flow_posterior_is_a_normalized_density():
    """q(z_K|x) = q_0(z_0) / |det|, evaluated on a grid of z_K (inverting the flow), integrates to 1."""
    torch.manual_seed(1)
    model = FlowVAE(x_dim=4, h_dim=6, z_dim=2, flows=3, flow_dim=8).eval()
    for step in model.flow:
        for p in step.parameters():
            torch.nn.init.normal_(p, std=0.4)
    x = torch.tensor([[1., 0., 1., 0.]])
    h = model.encoder(x)
    q0 = Normal(model.to_mu(h), torch.exp(0.5 * model.to_logvar(h)))
    g = torch.linspace(-12, 12, 1201)
    zk = torch.cartesian_prod(g, g)
    z0 = zk
    for step in reversed(model.flow):
        z0 = invert(step, z0, h.expand(len(z0), -1))
    back, log_det = model._transform(z0[None], h)
    torch.testing.assert_close(back[0], zk, atol=1e-4, rtol=1e-4)
    log_q = q0.log_prob(z0).sum(-1) - log_det[0]
    assert (log_q.exp().sum() * (g[1] - g[0]) ** 2).item() == pytest.approx(1.0, abs=2e-3)
    # the samples' log q is the same formula: log q_0(z_0) − log |det| at the z_0 they came from
    z, log_ratio, _ = model._posterior_sample(x, None, 4, torch.Generator().manual_seed(0))
    z0 = z[:, 0]
    for step in reversed(model.flow):
        z0 = invert(step, z0, h.expand(len(z0), -1))
    expected = q0.log_prob(z0).sum(-1) - model._transform(z0[:, None], h)[1][:, 0] - Normal(0., 1.).log_prob(z[:, 0]).sum(-1)
    torch.testing.assert_close(log_ratio[:, 0], expected, atol=1e-4, rtol=1e-4)


def test_flow_log_q_matches_torch_distributions_for_an_affine_flow():
    """With coupling networks that ignore their input, each step is affine: torch's TransformedDistribution
    computes the same log q."""
    from torch.distributions import AffineTransform, Independent, TransformedDistribution
    torch.manual_seed(2)
    model = FlowVAE(x_dim=4, h_dim=6, z_dim=4, flows=2, flow_dim=8).eval()
    shift, scale = [], []
    for step in model.flow:
        torch.nn.init.zeros_(step.net[0].weight)   # s, t depend on neither a nor h
        torch.nn.init.normal_(step.net[-1].bias, std=0.5)
        s, t = step.net(torch.zeros(1, 2 + 6)).chunk(2, -1)
        s = torch.tanh(s)[0]
        full_s, full_t = torch.cat([torch.zeros(2), s]), torch.cat([torch.zeros(2), t[0]])
        if step.flip:
            full_s, full_t = full_s.flip(0), full_t.flip(0)
        scale.append(full_s.exp())
        shift.append(full_t)
    x = torch.tensor([[0., 1., 1., 0.]])
    h = model.encoder(x)
    mu, logvar = model.to_mu(h)[0], model.to_logvar(h)[0]
    q = TransformedDistribution(Independent(Normal(mu, torch.exp(0.5 * logvar)), 1),
                                [AffineTransform(t, s, event_dim=1) for t, s in zip(shift, scale)])
    z, log_ratio, _ = model._posterior_sample(x, None, 5, torch.Generator().manual_seed(0))
    ours = log_ratio + Normal(0., 1.).log_prob(z).sum(-1)
    torch.testing.assert_close(ours[:, 0], q.log_prob(z[:, 0]).detach(), atol=1e-5, rtol=1e-5)


def test_flow_vae_trains_and_reloads(small, tmp_path):
    binary = MNIST(small.train_images, small.train_labels, small.test_images.round(), small.test_labels,
                   small.source, binarize=True)
    seed_everything(0)
    model = FlowVAE(h_dim=64, z_dim=4, flows=2, flow_dim=16)
    history = fit(model, binary, epochs=2, progress=False)
    assert history["test_elbo"][-1] > -300 and history["train_kl"][-1] > 0
    assert evaluate(model, binary)["kl"] > 0
    assert model.reconstruct(binary.test_images[:3]).shape == (3, 784)
    optimizer = torch.optim.Adam(model.parameters())
    save_checkpoint(tmp_path / "flow.pt", model, optimizer, history)
    loaded, _ = load_checkpoint(tmp_path / "flow.pt")
    assert type(loaded) is FlowVAE and loaded.config == model.config
    with pytest.raises(ValueError, match="z_dim >= 2"):
        FlowVAE(z_dim=1)
    assert MODELS["FlowVAE"] is FlowVAE


def test_fit_trains_the_iwae_bound_and_free_bits(small):
    binary = MNIST(small.train_images, small.train_labels, small.test_images.round(), small.test_labels,
                   small.source, binarize=True)
    for kwargs in ({"k": 5}, {"free_bits": 0.5}, {"k": 3, "beta": 0.5}):
        seed_everything(0)
        history = fit(VAE(h_dim=64, z_dim=8), binary, epochs=2, progress=False, **kwargs)
        assert history["test_elbo"][-1] > history["test_elbo"][0]
    with pytest.raises(ValueError, match="k must be a positive"):
        fit(VAE(), binary, k=0, progress=False)
    with pytest.raises(ValueError, match="free_bits needs"):
        fit(VAE(), binary, k=5, free_bits=0.5, progress=False)
    with pytest.raises(ValueError, match="free_bits must be"):
        fit(VAE(), binary, free_bits=-1, progress=False)


def test_free_bits_keep_more_units_active(small):
    """The point of free bits: with a floor on each dimension's KL, fewer latent dimensions collapse."""
    from vae_course import active_units
    counts = []
    for bits in (0.0, 1.0):
        seed_everything(0)
        model = VAE(h_dim=64, z_dim=32)
        fit(model, small, epochs=3, free_bits=bits, progress=False)
        counts.append(active_units(model, small)[0])
    assert counts[1] > counts[0]


def test_lr_schedule_decays_geometrically_and_fit_follows_it(small):
    lr = exponential_decay(100, 1e-2, 1e-4)
    assert lr(0) == pytest.approx(1e-2) and lr(50) == pytest.approx(1e-3) and lr(100) == lr(500) == pytest.approx(1e-4)
    history = fit(VAE(h_dim=32, z_dim=2), small, epochs=2, lr=exponential_decay(32, 1e-3, 1e-5), progress=False)
    assert history["lr"] == pytest.approx([1e-4, 1e-5])
    with pytest.raises(ValueError, match="end must be a positive"):
        exponential_decay(10, 1e-3, 0.0)


def test_deeper_vae_has_the_layers_it_says(tmp_path):
    model = VAE(h_dim=32, z_dim=4, layers=3)
    assert sum(isinstance(m, torch.nn.Linear) for m in model.encoder) == 3
    assert sum(isinstance(m, torch.nn.Linear) for m in model.decoder) == 4
    assert VAE().config == {"x_dim": 784, "h_dim": 400, "z_dim": 20, "layers": 1}
    with pytest.raises(ValueError, match="layers must be a positive"):
        VAE(layers=0)


def test_refined_posterior_beats_the_encoder_and_leaves_the_model_alone(small):
    seed_everything(0)
    model = VAE(h_dim=64, z_dim=4)
    fit(model, small, epochs=2, progress=False)
    x = small.test_images[:20].round()
    model.zero_grad(set_to_none=True)
    before = {name: p.clone() for name, p in model.state_dict().items()}
    mu, logvar, trace = refine_posterior(model, x, steps=200, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(p, before[name]) for name, p in model.state_dict().items())
    assert all(p.requires_grad and p.grad is None for p in model.parameters())

    def elbo(mu, logvar):  # many samples: the ELBO of a given Gaussian q, closed-form KL
        z = mu + torch.exp(0.5 * logvar) * torch.randn((500, *mu.shape), generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            log_px_z = Bernoulli(logits=model.decode(z.flatten(0, 1))).log_prob(x.repeat(500, 1)).sum(-1)
        return log_px_z.view(500, -1).mean(0) - kl_divergence(mu, logvar)

    encoder = elbo(*[t.detach() for t in model.encode(x)])
    assert (elbo(mu, logvar) > encoder).float().mean() > 0.9
    assert sum(trace[-20:]) / 20 > sum(trace[:20]) / 20
    with pytest.raises(ValueError, match="steps must be a positive"):
        refine_posterior(model, x, steps=0)
