"""The book builds offline with warnings as errors, and its pages render math with every other host blocked."""
import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["index.html", "book/intro.html", "notebooks/train_mnist.html"]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """Build the book into a temporary folder; fail with Sphinx's own messages."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"


def test_book_builds_every_page(site):
    for page in PAGES:
        assert (site / page).exists(), page
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").exists()


def test_pages_reference_no_other_host_for_scripts_or_styles(site):
    for page in PAGES:
        html = (site / page).read_text()
        assert 'src="http' not in html and "cdn." not in html, page


def test_colab_launch_button_points_at_the_notebook(site):
    html = (site / "notebooks" / "train_mnist.html").read_text()
    assert "https://colab.research.google.com/github/vae-course/vae-course/blob/main/notebooks/train_mnist.ipynb" in html


@pytest.fixture(scope="session")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromedriver are missing: run `make browser` (Debian packages chromium, chromium-driver).")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def open_page(browser, url: str) -> int:
    """Load `url`, wait for MathJax to finish, return the number of typeset formulas."""
    browser.get(url)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MathJax.startup.promise.then(() => done(document.querySelectorAll('mjx-container').length));")


def test_chapter_math_is_typeset(browser, server):
    typeset = open_page(browser, server + "notebooks/train_mnist.html")
    text = browser.execute_script("return document.body.innerText;")
    assert typeset >= 10
    assert "$$" not in text and "\\frac" not in text and "\\mathcal" not in text
    assert "**" not in text  # Markdown emphasis that did not render (e.g. `**…)**를` in Korean)


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_only_from_the_site_without_errors(browser, server, page):
    open_page(browser, server + page)
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert resources and all(url.startswith(server) for url in resources), [u for u in resources if not u.startswith(server)]
    assert errors == []
