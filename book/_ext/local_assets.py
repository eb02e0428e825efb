"""Serve MathJax from the built site itself, so that pages load nothing from other hosts.

`make vendor` unpacks the npm package `mathjax` into _vendor/mathjax; after the HTML
build this extension copies its es5 folder to _static/mathjax, where `mathjax_path`
points. (Jupyter Book adds every .js file under html_static_path to every page, so the
MathJax tree cannot simply live there.) The favicon is also copied to the site's root.
"""
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[2]
MATHJAX = ROOT / "_vendor" / "mathjax" / "es5"
FAVICON = ROOT / "book" / "images" / "favicon.ico"


def check_vendored(app):
    if app.builder.format == "html" and not (MATHJAX / "tex-mml-chtml.js").exists():
        raise ExtensionError(f"MathJax is missing from {MATHJAX}: run `make vendor` (needs npm) before building the book.")


def copy_vendored(app, exception):
    if exception is None and app.builder.format == "html":
        shutil.copytree(MATHJAX, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)
        shutil.copy(FAVICON, Path(app.outdir) / "favicon.ico")  # browsers ask for /favicon.ico on the redirect page


def setup(app):
    app.connect("builder-inited", check_vendored)
    app.connect("build-finished", copy_vendored)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
