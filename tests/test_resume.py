"""A training process killed mid-epoch resumes from its last checkpoint to the same result."""
import os
import signal
import subprocess
import sys

import torch

TRAIN = """
import os, signal, sys, torch
import vae_course.train as train
from vae_course import MNIST, VAE, fit, load_mnist, seed_everything

checkpoint, result, die_in_epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
if die_in_epoch:
    original, calls = train._train_epoch, []
    def dying(*args):
        calls.append(1)
        if len(calls) == die_in_epoch:
            torch.randn(1000)  # the epoch has used random numbers, and trained nothing to disk
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args)
    train._train_epoch = dying
full = load_mnist("cpu")
data = MNIST(full.train_images[:2048], full.train_labels[:2048], full.test_images[:512], full.test_labels[:512], full.source)
seed_everything(3)
model = VAE(h_dim=32, z_dim=4)
history = fit(model, data, epochs=4, checkpoint=checkpoint, resume=True, progress=False)
torch.save({"rows": [{k: v for k, v in r.items() if k != "seconds"} for r in history.rows],
            "model": model.state_dict()}, result)
"""


def run(tmp_path, name, die_in_epoch=0):
    return subprocess.run([sys.executable, "-c", TRAIN, str(tmp_path / f"{name}.pt"), str(tmp_path / f"{name}.out"),
                           str(die_in_epoch)], env=os.environ, capture_output=True, text=True, timeout=300)


def test_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    straight = run(tmp_path, "straight")
    assert straight.returncode == 0, straight.stderr
    killed = run(tmp_path, "resumed", die_in_epoch=3)
    assert killed.returncode == -signal.SIGKILL
    assert len(torch.load(tmp_path / "resumed.pt", weights_only=True)["history"]) == 2
    resumed = run(tmp_path, "resumed")
    assert resumed.returncode == 0, resumed.stderr
    expected, got = (torch.load(tmp_path / f"{name}.out", weights_only=True) for name in ("straight", "resumed"))
    assert got["rows"] == expected["rows"] and len(got["rows"]) == 4
    for key, value in expected["model"].items():
        assert torch.equal(value, got["model"][key]), key
