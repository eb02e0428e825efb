"""The repository's URL, named once in `_config.yml` (`repository.url`), and every place that follows it.

    python tools/repo_url.py                                   # rewrite the followers from _config.yml and __version__
    python tools/repo_url.py https://github.com/OWNER/NAME     # set a new URL, then rewrite the followers
    python tools/repo_url.py --check                           # list what disagrees; exit 1 if anything does

`make repo-url URL=…` runs the second form, `make repo-url` the first (after a version bump). The followers:
the first code cell of every notebook (the Colab install cell: the released package by version, the
repository only when FROM_GIT is set), `pyproject.toml`'s `[project.urls]`, the README's Colab line and
release section, and the launch-button URL in `tests/test_book.py`. `tests/test_publish.py` runs the check.
"""
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
PYPROJECT = ROOT / "pyproject.toml"
README = ROOT / "README.md"
BOOK_TEST = ROOT / "tests" / "test_book.py"
INIT = ROOT / "vae_course" / "__init__.py"
NOTEBOOKS = ROOT / "notebooks"
URL_PATTERN = re.compile(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)")

COLAB_CELL = """\
# Colab: install the course package, the release this book was made with (does nothing elsewhere).
# Set FROM_GIT = True to install the repository's newest code instead (e.g. to try an unreleased fix).
import sys

FROM_GIT = False
if "google.colab" in sys.modules:
    if FROM_GIT:
        %pip install -q "vae-course @ git+{repo}"
    else:
        %pip install -q vae-course=={release}"""


def url() -> str:
    """`repository.url` in `_config.yml`, checked to be a GitHub repository URL."""
    value = str(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["repository"]["url"]).rstrip("/")
    if not URL_PATTERN.fullmatch(value):
        raise SystemExit(f"_config.yml: repository.url {value!r} is not https://github.com/OWNER/NAME")
    return value


def version() -> str:
    """`vae_course.__version__`, read as setuptools reads it (without importing the package)."""
    return re.search(r'^__version__ = "([^"]+)"$', INIT.read_text(encoding="utf-8"), re.M)[1]


def pages_url(repo: str) -> str:
    """Where GitHub Pages serves the book: https://OWNER.github.io/NAME/."""
    owner, name = URL_PATTERN.fullmatch(repo).groups()
    return f"https://{owner.lower()}.github.io/{name}/"


def colab_cell(repo: str, release: str) -> str:
    return COLAB_CELL.format(repo=repo, release=release)


def project_urls(repo: str) -> str:
    return (f'[project.urls]\nHomepage = "{pages_url(repo)}"\nSource = "{repo}"\n'
            f'Issues = "{repo}/issues"\nDocumentation = "{pages_url(repo)}"\n')


def first_code_cell(notebook):
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def check() -> list[str]:
    """Every place that disagrees with `_config.yml`'s URL or with `__version__`."""
    repo, release, problems = url(), version(), []
    cell = colab_cell(repo, release)
    for path in notebooks():
        if first_code_cell(nbformat.read(path, as_version=4)).source != cell:
            problems.append(f"{path.relative_to(ROOT)}: the first code cell is not the Colab install cell for {repo}, "
                            f"vae-course=={release}")
    pyproject = PYPROJECT.read_text(encoding="utf-8")
    if project_urls(repo) not in pyproject:
        problems.append(f"pyproject.toml: [project.urls] does not read\n{project_urls(repo)}")
    readme = README.read_text(encoding="utf-8")
    for needed in (f"vae-course=={release}", f"git+{repo}", pages_url(repo)):
        if needed not in readme:
            problems.append(f"README.md does not name {needed}")
    for found in sorted(set(re.findall(r"git\+https://[^\s\"'`)<>]+", readme)) - {f"git+{repo}"}):
        problems.append(f"README.md installs from {found}, not {repo}")
    for found in sorted(set(re.findall(r"https://[a-z0-9-]+\.github\.io/[^\s\"'`)<>]*", readme)) - {pages_url(repo)}):
        problems.append(f"README.md names the site {found}, not {pages_url(repo)}")
    owner_name = repo.removeprefix("https://github.com/")
    if f"colab.research.google.com/github/{owner_name}/blob/" not in BOOK_TEST.read_text(encoding="utf-8"):
        problems.append(f"tests/test_book.py: the Colab launch-button URL is not for {owner_name}")
    return problems


def write_if_changed(path: Path, text: str) -> None:
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        print(f"updated {path.relative_to(ROOT)}")


def set_url(new: str) -> None:
    new = new.rstrip("/").removesuffix(".git")
    if not URL_PATTERN.fullmatch(new):
        raise SystemExit(f"{new!r} is not https://github.com/OWNER/NAME")
    old = url()
    text = CONFIG.read_text(encoding="utf-8")
    write_if_changed(CONFIG, re.sub(r"^(  url: ).*$", lambda m: m.group(1) + new, text, count=1, flags=re.M))
    if old != new:  # the README and the launch-button test name the old repository and its site in prose
        for path in (README, BOOK_TEST):
            text = path.read_text(encoding="utf-8").replace(pages_url(old), pages_url(new)).replace(old, new)
            old_path, new_path = old.removeprefix("https://github.com/"), new.removeprefix("https://github.com/")
            write_if_changed(path, text.replace(f"/github/{old_path}/", f"/github/{new_path}/"))


def sync() -> None:
    """Rewrite the followers from `_config.yml` and `__version__`; notebooks: only the first code cell's source."""
    repo, release = url(), version()
    cell = colab_cell(repo, release)
    for path in notebooks():
        notebook = nbformat.read(path, as_version=4)
        first = first_code_cell(notebook)
        if first.source != cell:
            first.source = cell
            nbformat.write(notebook, path)
            print(f"updated {path.relative_to(ROOT)}")
    text = PYPROJECT.read_text(encoding="utf-8")
    text = re.sub(r"^\[project\.urls\]\n(?:[^\[\n].*\n)*", project_urls(repo), text, count=1, flags=re.M)
    write_if_changed(PYPROJECT, text)
    text = README.read_text(encoding="utf-8")
    write_if_changed(README, re.sub(r"vae-course==[0-9][^\s`\"')]*", f"vae-course=={release}", text))


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = check()
        print("\n".join(problems) or f"every follower agrees with {url()} and vae-course=={version()}")
        return 1 if problems else 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        raise SystemExit(__doc__)
    if argv:
        set_url(argv[0])
    sync()
    problems = check()
    print("\n".join(problems) or f"every follower agrees with {url()} and vae-course=={version()}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
