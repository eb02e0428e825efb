"""Serve MathJax from the built site itself, so that pages load nothing from other hosts.

`make vendor` unpacks the npm package `mathjax` into _vendor/mathjax; after the HTML
build this extension copies its es5 folder to _static/mathjax, where `mathjax_path`
points. (Jupyter Book adds every .js file under html_static_path to every page, so the
MathJax tree cannot simply live there.) The favicon is also copied to the site's root.

The site's root index.html sends the reader to the first page. sphinx_external_toc writes it as a
<meta> refresh, which drops the query string and the fragment, so a link to `…/?lang=ko` arrived without
its language. This extension writes that page first (sphinx_external_toc leaves an existing index.html
alone): a script that carries `location.search` and `location.hash` over, and a <noscript> refresh.
"""
import html
import json
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


ROOT_REDIRECT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script>location.replace({target_js} + location.search + location.hash);  // keep ?lang=… and #…</script>
<noscript><meta http-equiv="refresh" content="0; url={target}"></noscript>
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def write_root_redirect(app, exception):
    """The root index.html: a redirect to the first page that keeps the query string and the fragment."""
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    title = html.escape(app.config.html_title or app.config.project)
    page = ROOT_REDIRECT.format(lang=html.escape(app.config.language or "en"), title=title,
                                target=html.escape(target), target_js=json.dumps(target))
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app):
    app.connect("builder-inited", check_vendored)
    app.connect("build-finished", copy_vendored)
    app.connect("build-finished", write_root_redirect, priority=400)  # before sphinx_external_toc's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
