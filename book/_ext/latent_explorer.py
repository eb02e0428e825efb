"""The latent explorer page: a 2-D VAE's decoder that runs in the reader's browser.

At build time the decoder of the package's pre-trained β = 1 model is exported with
`vae_course.explorer.export_decoder` into _static/explorer/, next to the explorer's script
and style (this folder); only the page book/explorer loads them, into <div id="latent-explorer-app">.
A missing or unreadable pre-trained model stops the build with the command that makes it.
"""
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

HERE = Path(__file__).resolve().parent
PAGE = "book/explorer"
FILES = ("latent_explorer.js", "latent_explorer.css")
DATA = "latent_explorer_data.js"


def check_weights(app):
    if app.builder.format != "html":
        return
    from vae_course.pretrained import load_pretrained

    try:
        load_pretrained(app.config.latent_explorer_beta)
    except (FileNotFoundError, RuntimeError, ValueError) as err:
        raise ExtensionError(f"The latent explorer ({PAGE}) needs the decoder weights of a pre-trained 2-D VAE: {err} "
                             "Train them with `make pretrained` (python -m vae_course.pretrained).") from err


def add_assets(app, pagename, templatename, context, doctree):
    if pagename == PAGE:
        app.add_js_file(f"explorer/{DATA}")
        app.add_js_file("explorer/latent_explorer.js")
        app.add_css_file("explorer/latent_explorer.css")


def write_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    from vae_course.explorer import export_decoder

    folder = Path(app.outdir) / "_static" / "explorer"
    export_decoder(folder / DATA, app.config.latent_explorer_beta)
    for name in FILES:
        shutil.copy(HERE / name, folder / name)


def setup(app):
    app.add_config_value("latent_explorer_beta", 1.0, "html")
    app.connect("builder-inited", check_weights)
    app.connect("html-page-context", add_assets)
    app.connect("build-finished", write_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
