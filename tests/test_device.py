"""Device choice and seeding."""
import pytest
import torch

from vae_course import VAE, fit, get_device, seed_everything


def test_best_device_is_one_that_exists():
    device = get_device()
    torch.zeros(1, device=device)
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert device.type == expected  # CUDA first, then MPS, then the CPU


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_absent_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"CUDA is not available.*Change runtime type"):
        get_device("cuda")


def test_unknown_device_name():
    with pytest.raises(ValueError, match="'gpu' is not a device name"):
        get_device("gpu")


def test_seed_makes_cpu_training_bit_identical(small):
    runs = []
    for _ in range(2):
        seed_everything(123)
        model = VAE(h_dim=64, z_dim=4)
        history = fit(model, small, epochs=2, progress=False)
        runs.append(([r[k] for r in history.rows for k in r if k != "seconds"], model.state_dict()))
    assert runs[0][0] == runs[1][0]
    for key, value in runs[0][1].items():
        assert torch.equal(value, runs[1][1][key])
