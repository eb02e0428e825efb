"""Publishing: the workflows lint clean and do what the README says; `python -m build` makes an sdist and a wheel
that twine accepts, the wheel holding the package and its weights and nothing else of the repository; the version
has one source; the repository's URL is named once (`_config.yml`) and followed everywhere; and the built wheel,
installed into a fresh virtual environment, runs the training chapter outside the repository as a Colab user would."""
import importlib.util
import json
import os
import re
import shutil
import site
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
VERSION = re.search(r'^__version__ = "([^"]+)"$', (ROOT / "vae_course" / "__init__.py").read_text(encoding="utf-8"), re.M)[1]


def tool(name: str) -> str:
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not path:
        pytest.fail(f"{name} is missing: `make venv` installs it from requirements.txt")
    return str(path)


def load_repo_url():
    spec = importlib.util.spec_from_file_location("repo_url", ROOT / "tools" / "repo_url.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The workflows ----------------------------------------------------------------------------------------

def test_workflows_lint_clean():
    """actionlint (offline; shellcheck and pyflakes off, so that every machine judges alike)."""
    result = subprocess.run([tool("actionlint"), "-no-color", "-shellcheck=", "-pyflakes="], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"tests.yml", "pages.yml", "release.yml"} <= {p.name for p in WORKFLOWS.glob("*.yml")}


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict) -> list[str]:
    return [step.get("uses", "") + " " + step.get("run", "") for step in job["steps"]]


def test_tests_workflow_runs_make_test_with_mnist_from_the_cache():
    tests = workflow("tests.yml")
    assert {"push", "pull_request", "workflow_call"} <= set(tests["on"])
    job = tests["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu") and job["timeout-minutes"] <= 60
    data = tests["env"]["VAE_COURSE_DATA"]
    caches = [step for step in job["steps"] if step.get("uses", "").startswith("actions/cache/")]
    assert {step["with"]["key"] for step in caches} == {"mnist-v1"} and {step["with"]["path"] for step in caches} == {data}
    assert any(s.strip() == "make test" for s in steps(job))


def test_pages_workflow_builds_the_book_and_deploys_it_from_main():
    pages = workflow("pages.yml")
    assert pages["on"]["push"]["branches"] == ["main"]
    build, deploy = pages["jobs"]["build"], pages["jobs"]["deploy"]
    assert any(s.strip() == "make book" for s in steps(build))
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.startswith("actions/deploy-pages@") for s in steps(deploy))


def test_release_workflow_publishes_a_tested_build_by_trusted_publishing():
    release = workflow("release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    jobs = release["jobs"]
    assert jobs["tests"]["uses"] == "./.github/workflows/tests.yml"
    assert any("python -m build" in s and "twine check" in s for s in steps(jobs["build"]))
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"tests", "build"} and publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}  # no token: PyPI trusts this workflow
    assert any(s.startswith("pypa/gh-action-pypi-publish@") for s in steps(publish))
    assert "password" not in (WORKFLOWS / "release.yml").read_text(encoding="utf-8")


# The package ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` as the release workflow runs it: the sdist, then the wheel built from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_build_gives_an_sdist_and_a_wheel_that_twine_accepts(dist):
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"vae_course-{VERSION}-py3-none-any.whl", f"vae_course-{VERSION}.tar.gz"]
    result = subprocess.run([tool("twine"), "check", "--strict", *sorted(map(str, dist.iterdir()))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.count("PASSED") == 2, result.stdout + result.stderr


def test_wheel_holds_the_package_with_its_weights_and_nothing_else(dist):
    names = zipfile.ZipFile(dist / f"vae_course-{VERSION}-py3-none-any.whl").namelist()
    package = sorted(n for n in names if not n.startswith(f"vae_course-{VERSION}.dist-info/"))
    expected = sorted(p.relative_to(ROOT).as_posix() for pattern in ("*.py", "checks/*.py", "checks/hints.json", "weights/*.pt")
                      for p in (ROOT / "vae_course").glob(pattern))
    assert package == expected
    assert [n for n in names if n.startswith("vae_course/weights/")] and all(n.endswith((".py", ".pt", ".json")) for n in package)
    assert not [n for n in names if n.split("/")[0] in ("tests", "book", "notebooks", "bench", "tools", "_static")]


def test_version_has_one_source(dist):
    """pyproject.toml takes the version from vae_course.__version__; the built metadata and the Colab cells agree."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'version = { attr = "vae_course.__version__" }' in pyproject
    assert not re.search(r"^version\s*=", pyproject.split("[tool.")[0], re.M)
    metadata = zipfile.ZipFile(dist / f"vae_course-{VERSION}-py3-none-any.whl").read(
        f"vae_course-{VERSION}.dist-info/METADATA").decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    import vae_course

    assert vae_course.__version__ == VERSION


# One repository URL -----------------------------------------------------------------------------------

def test_config_names_the_repository_once():
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert len(re.findall(r"https://github\.com/", config)) == 1
    assert load_repo_url().url() == yaml.safe_load(config)["repository"]["url"]


def test_colab_cells_pyproject_and_readme_follow_the_repository_url():
    """Fails on any drift; `make repo-url URL=…` (or, after a version bump, `make repo-url`) puts it right."""
    repo_url = load_repo_url()
    assert repo_url.check() == []
    repo, cell = repo_url.url(), repo_url.colab_cell(repo_url.url(), VERSION)
    assert f"%pip install -q vae-course=={VERSION}" in cell and f'"vae-course @ git+{repo}"' in cell
    assert 'if "google.colab" in sys.modules:' in cell and "FROM_GIT = False" in cell


def test_colab_cell_installs_the_release_and_the_repository_only_when_asked(monkeypatch):
    """The cell's code as IPython runs it, with its %pip recorded instead of run: in Colab or not, FROM_GIT or not."""
    from IPython.core.inputtransformer2 import TransformerManager

    repo_url = load_repo_url()
    code = TransformerManager().transform_cell(repo_url.colab_cell(repo_url.url(), VERSION))
    cases = [(False, False, []), (False, True, []), (True, False, [f"install -q vae-course=={VERSION}"]),
             (True, True, [f'install -q "vae-course @ git+{repo_url.url()}"'])]
    for in_colab, from_git, expected in cases:
        calls = []

        class Shell:
            def run_line_magic(self, name, line, _stack_depth=1):
                calls.append(line if name == "pip" else f"%{name} {line}")

        if in_colab:
            monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
        else:
            monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        source = code.replace("FROM_GIT = False", f"FROM_GIT = {from_git}")
        assert source != code or not from_git
        exec(compile(source, "colab-cell", "exec"), {"get_ipython": Shell})
        assert calls == expected, (in_colab, from_git)


def test_make_repo_url_changes_it_everywhere(tmp_path, monkeypatch):
    """The make target's script on a copy of the files it rewrites: afterwards every follower agrees again."""
    repo_url = load_repo_url()
    copies = {}
    for name in ("CONFIG", "PYPROJECT", "README", "BOOK_TEST", "INIT"):
        source = getattr(repo_url, name)
        copies[name] = tmp_path / source.relative_to(ROOT)
        copies[name].parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, copies[name])
        monkeypatch.setattr(repo_url, name, copies[name])
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".*"))
    monkeypatch.setattr(repo_url, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(repo_url, "ROOT", tmp_path)
    before = {p.name: nbformat.read(p, as_version=4) for p in (tmp_path / "notebooks").glob("*.ipynb")}

    assert repo_url.main(["https://github.com/someone/vae-book.git"]) == 0
    assert repo_url.url() == "https://github.com/someone/vae-book" and repo_url.check() == []
    config = copies["CONFIG"].read_text(encoding="utf-8")
    assert "url: https://github.com/someone/vae-book\n" in config and "vae-course/vae-course" not in config
    for name in ("PYPROJECT", "README"):
        text = copies[name].read_text(encoding="utf-8")
        assert "vae-course/vae-course" not in text and "https://someone.github.io/vae-book/" in text
    assert "colab.research.google.com/github/someone/vae-book/blob/main/" in copies["BOOK_TEST"].read_text()
    for path in (tmp_path / "notebooks").glob("*.ipynb"):  # only the first code cell's source changed
        old, new = before[path.name], nbformat.read(path, as_version=4)
        changed = [i for i, (a, b) in enumerate(zip(old.cells, new.cells)) if a != b]
        first = next(i for i, cell in enumerate(new.cells) if cell.cell_type == "code")
        assert changed == [first] and new.cells[first].outputs == old.cells[first].outputs
        assert new.cells[first].metadata == old.cells[first].metadata and new.metadata == old.metadata
        assert "git+https://github.com/someone/vae-book" in new.cells[first].source

    # a version bump: `make repo-url` without URL moves the Colab cells and the README to the new release
    copies["INIT"].write_text(copies["INIT"].read_text().replace(f'"{VERSION}"', '"9.8.7"'))
    assert repo_url.check() != []
    assert repo_url.main([]) == 0 and repo_url.check() == []
    assert "vae-course==9.8.7" in copies["README"].read_text(encoding="utf-8")


# The wheel in a fresh virtual environment -------------------------------------------------------------

@pytest.mark.slow
def test_wheel_runs_the_training_chapter_in_a_fresh_venv_outside_the_repository(dist, tmp_path, monkeypatch):
    """As a Colab user: `pip install` the built wheel into a new virtual environment and run the training chapter
    top to bottom, from a folder outside the repository. The new environment sees the tested dependencies (torch,
    …) read-only through a .pth file, so nothing is downloaded; the course package comes from the wheel alone."""
    from nbclient import NotebookClient

    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    fresh_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     capture_output=True, text=True, check=True).stdout.strip())
    (fresh_site / "tested_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    wheel = dist / f"vae_course-{VERSION}-py3-none-any.whl"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--ignore-installed",
                    str(wheel)], check=True, timeout=300)
    # the wheel's declared dependencies are met by the tested environment
    check = ("from importlib.metadata import distribution, version\n"
             "from packaging.requirements import Requirement\n"
             "d = distribution('vae-course')\n"
             "for r in map(Requirement, d.requires):\n"
             "    if r.marker is None or r.marker.evaluate():\n"
             "        assert r.specifier.contains(version(r.name), prereleases=True), (r, version(r.name))\n"
             "print(d.locate_file('vae_course/__init__.py'))\n")
    located = subprocess.run([str(python), "-c", check], cwd=work, capture_output=True, text=True, timeout=120)
    assert located.returncode == 0, located.stderr
    assert Path(located.stdout.strip()).is_relative_to(venv)

    kernels = tmp_path / "jupyter" / "kernels" / "fresh-venv"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "fresh venv", '
        '"language": "python"}' % python)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}  # VAE_COURSE_DATA stays
    notebook = nbformat.read(ROOT / "notebooks" / "train_mnist.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import json, sys, vae_course\nprint(json.dumps({'package': vae_course.__file__, 'path': sys.path}))"))
    NotebookClient(notebook, kernel_name="fresh-venv", timeout=1200, record_timing=False,
                   resources={"metadata": {"path": str(work)}}).execute(env=env)

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "a code cell did not run"
    text = ["".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs) for cell in code]
    assert any(re.search(r"MNIST from .+: [\d,]+ train / [\d,]+ test images", t) for t in text), "no data summary"
    assert any(re.search(r"\d+ epochs in \d+ s on ", t) for t in text), "training did not report"
    where = json.loads(text[-1])
    assert Path(where["package"]).is_relative_to(venv), where
    assert not {str(ROOT), str(ROOT / "notebooks")} & set(where["path"]), where["path"]
