"""The pre-trained 2-D VAEs shipped with the package: they load, match what they claim, and fail clearly."""
import pytest
import torch

from vae_course import VAE, evaluate, load_mnist, pretrained
from vae_course.pretrained import BETAS, load_pretrained, train_pretrained


@pytest.fixture(scope="module")
def binarized():
    return load_mnist("cpu", binarize=True)


@pytest.mark.parametrize("beta", BETAS)
def test_every_beta_loads_as_a_2d_vae(beta):
    p = load_pretrained(beta)
    assert isinstance(p.model, VAE) and p.model.z_dim == 2 and not p.model.training
    assert p.beta == beta and p.epochs == pretrained.EPOCHS
    assert p.codes.shape == (pretrained.N_CODES, 2) and p.codes.dtype == torch.float32
    assert p.labels.shape == (pretrained.N_CODES,) and set(p.labels.tolist()) == set(range(10))
    assert all(w.dtype == torch.float32 for w in p.model.parameters())
    assert -170 < p.test["elbo"] < -135 and p.test["elbo"] == pytest.approx(-(p.test["rec"] + p.test["kl"]))


@pytest.mark.parametrize("beta", BETAS)
def test_codes_are_the_encoder_means_of_the_first_test_digits(beta, binarized):
    if binarized.source != "torchvision":
        pytest.skip("the codes belong to MNIST's test split; this machine has the offline fallback")
    p = load_pretrained(beta)
    assert torch.equal(p.labels, binarized.test_labels[:pretrained.N_CODES])
    with torch.no_grad():
        mu, _ = p.model.encode(binarized.test_images[:pretrained.N_CODES])
    torch.testing.assert_close(mu, p.codes, atol=2e-2, rtol=1e-2)  # weights and codes are stored in half precision


@pytest.mark.parametrize("beta", BETAS)
def test_the_record_says_on_how_many_test_images_it_was_computed(beta, binarized):
    p = load_pretrained(beta)
    assert p.n_test >= pretrained.N_CODES
    if binarized.source != "torchvision" or len(binarized.test_images) < p.n_test:
        pytest.skip(f"the record is on the first {p.n_test:,} MNIST test images; these data have fewer")
    first = binarized.__class__(binarized.train_images[:1], binarized.train_labels[:1], binarized.test_images[:p.n_test],
                                binarized.test_labels[:p.n_test], binarized.source, True)
    again = evaluate(p.model, first)  # the stored half-precision weights: within a few hundredths of a nat
    assert all(abs(again[key] - p.test[key]) < 0.05 for key in ("rec", "kl", "elbo")), (again, p.test)


def test_a_larger_beta_buys_a_smaller_kl_with_a_worse_reconstruction():
    runs = [load_pretrained(beta).test for beta in BETAS]
    kls, recs = [r["kl"] for r in runs], [r["rec"] for r in runs]
    assert kls == sorted(kls, reverse=True) and recs == sorted(recs), (kls, recs)


def test_unknown_beta_names_the_ones_there_are():
    with pytest.raises(ValueError, match=r"beta=3.*\(0.5, 1.0, 2.0, 4.0\)"):
        load_pretrained(3)


def test_missing_file_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m vae_course.pretrained"):
        load_pretrained(1.0)


def test_corrupt_file_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    pretrained.path_for(1.0).write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="could not be read"):
        load_pretrained(1.0)


def test_training_writes_what_loading_reads(tmp_path, monkeypatch, small):
    data = small.__class__(small.train_images[:512], small.train_labels[:512],
                           torch.bernoulli(small.test_images), small.test_labels, small.source, True)
    monkeypatch.setattr(pretrained, "N_CODES", 100)
    state = train_pretrained(data, beta=2.0, epochs=1)
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    torch.save(state, pretrained.path_for(2.0))
    p = load_pretrained(2.0)
    assert p.beta == 2.0 and p.epochs == 1 and p.codes.shape == (100, 2) and p.n_test == len(data.test_images)
    x = data.test_images[:5]
    with torch.no_grad():  # the stored codes are the encoder means of the stored (half-precision) weights
        assert (p.model.encode(x)[0] - p.codes[:5]).abs().max() < 2e-2
