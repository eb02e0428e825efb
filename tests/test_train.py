"""fit: learning, history, divergence, interruption, checkpoints and resuming."""
import pytest
import torch

import vae_course.train as train_module
from vae_course.train import _flush_denormal_everywhere, _libgomp, native_bf16, resolve_precision
from vae_course import VAE, CheckpointError, History, TrainingDiverged, evaluate, fit, load_checkpoint, seed_everything


def test_fit_learns_and_records_history(small):
    seed_everything(0)
    model = VAE(h_dim=128, z_dim=8)
    before = evaluate(model, small)["elbo"]
    history = fit(model, small, epochs=3, progress=False)
    assert len(history) == 3
    assert history["test_elbo"][-1] > before + 100  # untrained ≈ −545 nats; three epochs gain far more
    assert history["train_elbo"][-1] > history["train_elbo"][0]
    for row in history.rows:
        assert row["train_elbo"] == pytest.approx(-(row["train_rec"] + row["train_kl"]))
        assert row["train_rec_std"] > 0 and row["seconds"] > 0
    assert "3 epochs" in repr(history)
    with pytest.raises(KeyError, match="not recorded"):
        history["loss"]


def test_evaluate_is_repeatable(small):
    model = VAE()
    assert evaluate(model, small) == evaluate(model, small)


class SpoiledAfter(VAE):
    """Once `steps` training steps have run, decodes NaN (spoil='logits') or encodes log σ² + 1,000 (spoil='logvar')."""

    def __init__(self, steps, spoil):
        super().__init__(h_dim=32, z_dim=2)
        self.steps, self.spoil = steps, spoil

    def _encode(self, x, y=None):
        if self.training:
            self.steps -= 1
        mu, logvar = super()._encode(x, y)
        return (mu, logvar + 1000.0) if self.spoil == "logvar" and self.steps < 0 else (mu, logvar)

    def _decode(self, z, y=None):
        logits = super()._decode(z, y)
        return logits * float("nan") if self.spoil == "logits" and self.steps < 0 else logits


def test_nan_loss_names_the_step_and_keeps_the_last_epoch(small):
    model = SpoiledAfter(steps=16 + 4, spoil="logits")  # 2,048 images / 128 = 16 steps per epoch
    with pytest.raises(TrainingDiverged, match=r"nan at epoch 2, batch 5 \(step 21 overall\).*state after epoch 1") as err:
        fit(model, small, epochs=3, progress=False)
    assert len(err.value.history) == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_exploding_logvar_is_divergence_and_keeps_the_last_epoch(small):
    model = SpoiledAfter(steps=16 + 2, spoil="logvar")
    with pytest.raises(TrainingDiverged, match=r"logvar reaches 1e\+03.*state after epoch 1") as err:
        fit(model, small, epochs=3, progress=False)
    assert len(err.value.history) == 1
    first_epoch = SpoiledAfter(steps=10**9, spoil="logvar")
    first_epoch.load_state_dict(model.state_dict())
    assert err.value.history["test_elbo"][0] == pytest.approx(evaluate(first_epoch, small)["elbo"])


def test_interrupt_returns_what_was_trained(monkeypatch, small, capsys):
    calls = {"n": 0}
    original = train_module._train_epoch

    def interrupted(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(train_module, "_train_epoch", interrupted)
    history = fit(VAE(h_dim=32), small, epochs=5, progress=False)
    assert len(history) == 1
    assert "Interrupted" in capsys.readouterr().out


def test_checkpoint_round_trip_and_resume(small, tmp_path):
    path = tmp_path / "vae.pt"
    seed_everything(7)
    straight = VAE(h_dim=32, z_dim=4)
    expected = fit(straight, small, epochs=3, progress=False)

    seed_everything(7)
    first = VAE(h_dim=32, z_dim=4)
    fit(first, small, epochs=2, checkpoint=path, progress=False)
    torch.manual_seed(999)  # a fresh process would start from other random state
    resumed = VAE(h_dim=32, z_dim=4)
    history = fit(resumed, small, epochs=3, checkpoint=path, resume=True, progress=False)

    drop = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h.rows]  # noqa: E731
    assert drop(history) == drop(expected)
    for key, value in straight.state_dict().items():
        assert torch.equal(value, resumed.state_dict()[key])
    state = torch.load(path, weights_only=True)
    assert len(state["history"]) == 3 and not (tmp_path / "vae.pt.tmp").exists()
    loaded, loaded_history = load_checkpoint(path)
    assert isinstance(loaded_history, History) and loaded.z_dim == 4


def test_checkpoint_from_another_architecture(small, tmp_path):
    path = tmp_path / "vae.pt"
    fit(VAE(h_dim=32, z_dim=4), small, epochs=1, checkpoint=path, progress=False)
    with pytest.raises(ValueError, match=r"to_mu.weight: checkpoint \(4, 32\) vs model \(20, 400\)"):
        load_checkpoint(path, VAE())


@pytest.mark.parametrize("content", [b"not a checkpoint", b""], ids=["garbage", "empty"])
def test_unreadable_checkpoint_names_the_file_and_never_suggests_unsafe_loading(tmp_path, content):
    path = tmp_path / "vae.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r"vae\.pt could not be read safely.*corrupt or not a vae_course checkpoint.*fit\(") as err:
        load_checkpoint(path)
    assert "weights_only" not in str(err.value) and err.value.__cause__ is None and err.value.__suppress_context__


def test_pickled_object_is_refused_without_unsafe_advice(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": {}, "payload": object()}, path)  # needs weights_only=False to load: refused
    with pytest.raises(CheckpointError, match="evil.pt could not be read safely") as err:
        load_checkpoint(path)
    assert "weights_only" not in str(err.value)


@pytest.mark.parametrize("state", [{"weights": torch.zeros(2)}, torch.zeros(3)], ids=["dict", "tensor"])
def test_torch_file_that_is_not_a_checkpoint(tmp_path, state):
    path = tmp_path / "other.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"other\.pt is a PyTorch file but not a vae_course checkpoint \(it lacks model"):
        load_checkpoint(path)


def test_bad_fit_arguments(small):
    with pytest.raises(TypeError, match="load_mnist"):
        fit(VAE(), [small.train_images], epochs=1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit(VAE(), small, epochs=0)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        fit(VAE(), small, epochs=1, resume=True)
    for lr in (0, -1e-3, float("nan"), float("inf"), "1e-3", True):
        with pytest.raises(ValueError, match="lr must be a positive finite number"):
            fit(VAE(), small, epochs=1, lr=lr)


def test_callback_sees_every_epoch(small):
    seen = []
    fit(VAE(h_dim=32, z_dim=2), small, epochs=3, progress=False,
        callback=lambda epoch, model, row: seen.append((epoch, model.training, round(row["test_elbo"], 3))))
    assert [epoch for epoch, _, _ in seen] == [1, 2, 3] and all(training for _, training, _ in seen)


def test_precision_is_chosen_by_the_hardware_and_can_be_overridden(small):
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == ("bf16" if native_bf16(cpu) else "fp32")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    for bad in ("fp16", "float32", None):
        with pytest.raises(ValueError, match="precision must be one of 'auto', 'fp32', 'bf16'"):
            fit(VAE(h_dim=32), small, epochs=1, precision=bad, progress=False)
    history = fit(VAE(h_dim=32), small, epochs=1, precision="fp32", progress=False)
    assert history.precision == "fp32"


def test_bf16_stays_within_half_a_nat_of_fp32(mnist):
    """Mixed precision changes the arithmetic, not the result: the test ELBO after 3 epochs on full data."""
    results = {}
    for precision in ("fp32", "bf16"):
        seed_everything(0)
        results[precision] = fit(VAE(), mnist, epochs=3, precision=precision, progress=False)["test_elbo"][-1]
    assert abs(results["bf16"] - results["fp32"]) < 0.5, results


@pytest.mark.parametrize("precision", ["fp32", "auto"])
def test_training_is_bit_reproducible_on_one_machine(small, precision):
    runs = []
    for _ in range(2):
        seed_everything(5)
        model = VAE(h_dim=64, z_dim=4)
        history = fit(model, small, epochs=2, precision=precision, progress=False)
        runs.append(([value for row in history.rows for key, value in row.items() if key != "seconds"], model.state_dict()))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(value, runs[1][1][key]) for key, value in runs[0][1].items())


def test_the_host_waits_for_the_device_once_per_epoch_not_per_step(small, monkeypatch):
    """No .item() (a host-device synchronization on a GPU) inside the training steps."""
    calls = {"n": 0}
    item = torch.Tensor.item

    def counting_item(self):
        calls["n"] += 1
        return item(self)

    monkeypatch.setattr(torch.Tensor, "item", counting_item)
    fit(VAE(h_dim=32, z_dim=2), small, epochs=1, batch_size=16, progress=False)  # 128 steps
    assert calls["n"] < 30, f"{calls['n']} .item() calls for 128 training steps"


@pytest.mark.skipif(_libgomp() is None or torch.get_num_threads() < 2, reason="needs libgomp and two threads")
def test_denormal_flushing_reaches_every_worker_thread_and_is_undone():
    def denormal_products():  # normal inputs, denormal results, computed in parallel over the threads
        return torch.full((4_000_000,), 1e-20) * torch.full((4_000_000,), 1e-19)

    torch.ones(2000, 2000) @ torch.ones(2000, 2000)  # the worker threads exist before the setting
    assert _flush_denormal_everywhere(True)
    flushed = denormal_products()
    _flush_denormal_everywhere(False)
    assert flushed.eq(0).all(), f"{flushed.ne(0).float().mean():.0%} of the products were not flushed: a thread was missed"
    assert denormal_products().ne(0).all(), "a thread still flushes after the setting was undone"


def test_denormals_are_flushed_only_while_training(small):
    tiny = torch.tensor([1e-39])  # a denormal float32
    fit(VAE(h_dim=32, z_dim=2), small, epochs=1, progress=False)
    assert (tiny * 1.0).item() != 0.0, "fit left denormal flushing on for the whole process"
