"""The latent explorer's export: the weights in the .js file are the model's, and they decode as PyTorch does."""
import base64
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_course import VAE, pretrained
from vae_course.explorer import GLOBAL, explorer_data, export_decoder
from vae_course.pretrained import Pretrained, load_pretrained

ROOT = Path(__file__).resolve().parents[1]


def array(text: str, dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def numpy_decode(data: dict, z: np.ndarray) -> np.ndarray:
    """The explorer's forward pass, written again in NumPy from the exported data alone."""
    (w1, b1), (w2, b2) = [(array(l["weight"], "<f4").reshape(l["out"], l["in"]).astype(np.float64),
                           array(l["bias"], "<f4").astype(np.float64)) for l in data["layers"]]
    return 1 / (1 + np.exp(-(np.maximum(z @ w1.T + b1, 0) @ w2.T + b2)))


@pytest.fixture(scope="module")
def model_and_file(tmp_path_factory):
    path = export_decoder(tmp_path_factory.mktemp("explorer") / "data.js")
    text = path.read_text(encoding="ascii")
    prefix = f"window.{GLOBAL} = "
    body = text.split("\n", 1)[1]
    assert body.startswith(prefix) and body.endswith(";\n")
    return load_pretrained(1.0), json.loads(body[len(prefix):-2]), path


def test_exported_weights_are_the_models_bit_for_bit(model_and_file):
    p, data, _ = model_and_file
    first, second = p.model.decoder[0], p.model.decoder[2]
    assert [(l["in"], l["out"]) for l in data["layers"]] == [(2, 256), (256, 784)]
    for layer, exported in ((first, data["layers"][0]), (second, data["layers"][1])):
        assert np.array_equal(array(exported["weight"], "<f4").reshape(layer.weight.shape), layer.weight.detach().numpy())
        assert np.array_equal(array(exported["bias"], "<f4"), layer.bias.detach().numpy())
    assert np.array_equal(array(data["codes"], "<f4").reshape(-1, 2), p.codes.numpy())
    assert np.array_equal(array(data["labels"], "u1"), p.labels.numpy())
    assert data["beta"] == 1.0 and data["epochs"] == p.epochs and data["extent"] >= p.codes.abs().quantile(0.99)


def test_the_exported_decoder_decodes_as_pytorch(model_and_file):
    p, data, _ = model_and_file
    z = torch.tensor([[0.0, 0.0], [1.5, -0.5], [-2.0, 2.5], [3.0, 3.0], [-0.25, 0.75]])
    with torch.no_grad():
        expected = torch.sigmoid(p.model.decode(z)).double().numpy()
    assert np.abs(numpy_decode(data, z.double().numpy()) - expected).max() < 1e-5


def test_the_file_is_small(model_and_file):
    assert model_and_file[2].stat().st_size < 1.5e6


def test_only_a_2d_linear_decoder_can_be_explored():
    p = load_pretrained(1.0)
    wide = Pretrained(VAE(h_dim=8, z_dim=3), 1.0, 1, p.test, p.n_test, torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="2-D latent plane"):
        explorer_data(wide)


def test_command_line_writes_the_file(tmp_path, capsys):
    from vae_course.explorer import main

    main([str(tmp_path / "out.js"), "--beta", "4"])
    assert "wrote" in capsys.readouterr().out and '"beta":4.0' in (tmp_path / "out.js").read_text()


def test_a_checkpoint_of_fit_exports_too(tmp_path, small):
    from vae_course import fit, seed_everything
    from vae_course.explorer import main

    seed_everything(0)
    model = VAE(h_dim=32, z_dim=2)
    fit(model, small, epochs=1, beta=2.0, checkpoint=tmp_path / "vae2d.pt", progress=False)
    path = export_decoder(tmp_path / "mine.js", checkpoint=tmp_path / "vae2d.pt", data=small)
    data = json.loads(path.read_text().split(" = ", 1)[1][:-2])
    assert data["beta"] == 2.0 and data["epochs"] == 1 and [l["out"] for l in data["layers"]] == [32, 784]
    assert np.array_equal(array(data["layers"][1]["weight"], "<f4").reshape(784, 32), model.decoder[2].weight.detach().numpy())
    with torch.no_grad():
        codes = model.eval().encode(small.test_images[:pretrained.N_CODES])[0]
    assert np.allclose(array(data["codes"], "<f4").reshape(-1, 2), codes.numpy())
    seed_everything(0)
    fit(VAE(h_dim=32, z_dim=3), small, epochs=1, checkpoint=tmp_path / "vae3d.pt", progress=False)
    with pytest.raises(ValueError, match="2-D latent plane"):
        main([str(tmp_path / "no.js"), "--checkpoint", str(tmp_path / "vae3d.pt")])
