"""The book builds offline with warnings as errors; its pages load nothing from other hosts, show
Korean, English or both on request, typeset their math, and can be searched in both languages."""
import functools
import html.parser
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
CHAPTERS = [f"{doc}.html" for doc in [TOC["root"]] + [chapter["file"] for part in TOC.get("parts", [])
                                                         for chapter in part["chapters"]]]
PAGES = ["index.html", "search.html", "genindex.html"] + CHAPTERS
MODES = {"ko": {"ko"}, "en": {"en"}, "both": {"ko", "en"}}


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
    assert (site / "_static" / "bilingual.js").exists() and (site / "_static" / "bilingual.css").exists()


class Resources(html.parser.HTMLParser):
    """The URLs a page loads (scripts, styles, images, icons) and the alt text of its images."""

    def __init__(self):
        super().__init__()
        self.urls, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        if tag == "img":
            self.images.append((attrs.get("src", ""), attrs.get("alt") or ""))


def resources(site: Path, page: str) -> Resources:
    parser = Resources()
    parser.feed((site / page).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", PAGES)
def test_pages_reference_no_other_host(site, page):
    outside = [url for url in resources(site, page).urls if url.startswith(("http:", "https:", "//"))]
    assert outside == [], page


def test_styles_load_nothing_from_other_hosts(site):
    for css in (site / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert "url(http" not in text and "url(//" not in text and "@import url(" not in text, css


@pytest.mark.parametrize("page", PAGES)
def test_every_image_has_a_real_alt_text(site, page):
    for src, alt in resources(site, page).images:
        assert alt.strip() and not alt.endswith((".png", ".jpg", ".svg")), f"{page}: <img src={src}> has alt {alt!r}"


def test_colab_launch_button_points_at_the_notebook(site):
    html = (site / "notebooks" / "train_mnist.html").read_text()
    assert "https://colab.research.google.com/github/vae-course/vae-course/blob/main/notebooks/train_mnist.ipynb" in html


def test_glossary_links_every_term_to_its_chapter(site):
    html = (site / "book" / "glossary.html").read_text(encoding="utf-8")
    entries = html.count('<p class="glossary-chapter">')
    linked = re.findall(r'<p class="glossary-chapter">[^<]*<a class="reference internal" href="[^"#]+\.html">', html)
    assert entries >= 27 and len(linked) == entries and html.count('<dt id="term-') == 2 * entries
    assert 'id="term-prior"' in html and 'id="term-prior-en"' in html and html.count('class="ko docutils container"') == entries
    # the link is the first chapter in toc order whose Korean prose uses the term (computed by the build)
    prior = html[html.index('id="term-prior"'):]
    assert re.search(r'<p class="glossary-chapter">[^<]*<a class="reference internal" href="\.\./notebooks/autoencoders\.html">',
                     prior[:prior.index("</dd>")])


def test_search_index_holds_korean_and_english_words(site):
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    words = set(index["terms"]) | set(index["titleterms"])
    assert {"잠재", "사후", "손실", "latent", "posterior", "encod"} <= words


def test_korean_search_adds_words_without_particles():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from korean_search import SearchKorean

    words = SearchKorean({}).split("인코더가 손실을 줄이고, encoders 사이")
    assert {"인코더가", "인코더", "손실을", "손실", "encoders", "사이"} <= set(words) and "사" not in words


# In the browser --------------------------------------------------------------------------------------

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


def start_browser(lang: str):
    """Headless Chromium whose preferred language is `lang`, with every host but 127.0.0.1 unreachable."""
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromedriver are missing: run `make browser` (Debian packages chromium, chromium-driver).")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", f"--lang={lang}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_script_timeout(30)
    return driver


@pytest.fixture(scope="session")
def browser():
    driver = start_browser("en-US")
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def browser_ko():
    """A browser whose reader prefers Korean."""
    driver = start_browser("ko-KR")
    yield driver
    driver.quit()


def open_page(browser, url: str) -> int:
    """Load `url`, wait for MathJax to finish, return the number of typeset formulas."""
    browser.get_log("browser")  # drop the messages of earlier pages
    browser.get(url)
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.MathJax || !MathJax.startup) { done(0); return; }"
        "MathJax.startup.promise.then(() => done(document.querySelectorAll('mjx-container').length));")


def forget_choice(browser, server):
    browser.get(server + "genindex.html")
    browser.execute_script("localStorage.clear();")


def shown(browser) -> dict:
    """Which languages the page shows, which button is pressed, and the page's lang attribute."""
    return browser.execute_script("""
        const visible = (lang) => [...document.querySelectorAll('.' + lang)].filter(e => e.getClientRects().length);
        return {
          langs: ['ko', 'en'].filter(lang => visible(lang).length),
          hidden: ['ko', 'en'].filter(lang => visible(lang).length < document.querySelectorAll('.' + lang).length),
          pressed: [...document.querySelectorAll('.lang-switch button[aria-pressed="true"]')].map(b => b.value),
          lang: document.documentElement.lang,
        };""")


def test_chapter_math_is_typeset(browser, server):
    typeset = open_page(browser, server + "notebooks/train_mnist.html?lang=both")
    text = browser.execute_script("return document.body.innerText;")
    assert typeset >= 10
    assert "$$" not in text and "\\frac" not in text and "\\mathcal" not in text
    assert "**" not in text  # Markdown emphasis that did not render (e.g. `**…)**를` in Korean)


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_only_from_the_site_without_errors(browser, server, page):
    open_page(browser, server + page)
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert requested and all(url.startswith(server) for url in requested), [u for u in requested if not u.startswith(server)]
    assert errors == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", CHAPTERS)
def test_lang_parameter_shows_the_chosen_language_with_math(browser, server, page, mode):
    open_page(browser, f"{server}{page}?lang={mode}")
    state = shown(browser)
    assert set(state["langs"]) == MODES[mode] and set(state["hidden"]) == {"ko", "en"} - MODES[mode]
    assert state["pressed"] == [mode]
    assert state["lang"] == {"ko": "ko", "en": "en", "both": "en"}[mode]
    untypeset = browser.execute_script(
        "return [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length;")
    text = browser.execute_script("return document.body.innerText;")
    assert untypeset == 0 and "$$" not in text and "\\(" not in text
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert all(url.startswith(server) for url in requested)
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_switch_choice_survives_reload_and_other_pages(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    forget_choice(browser, server)
    open_page(browser, server + CHAPTERS[1])
    assert shown(browser)["langs"] == ["en"]  # the browser prefers English
    browser.find_element(By.CSS_SELECTOR, '.lang-switch button[value="ko"]').click()
    assert shown(browser)["langs"] == ["ko"]
    browser.refresh()
    assert shown(browser)["langs"] == ["ko"] and shown(browser)["pressed"] == ["ko"]
    open_page(browser, server + CHAPTERS[0])
    assert shown(browser)["langs"] == ["ko"]
    browser.find_element(By.CSS_SELECTOR, '.lang-switch button[value="both"]').send_keys(Keys.ENTER)  # keyboard
    assert shown(browser)["langs"] == ["ko", "en"]
    group = browser.find_element(By.CSS_SELECTOR, ".lang-switch")
    assert group.get_attribute("role") == "group" and group.get_attribute("aria-label")


def test_switch_updates_a_lang_parameter_so_reload_keeps_the_choice(browser, server):
    from selenium.webdriver.common.by import By

    open_page(browser, server + CHAPTERS[1] + "?lang=ko")
    browser.find_element(By.CSS_SELECTOR, '.lang-switch button[value="en"]').click()
    assert browser.current_url.endswith("?lang=en")
    browser.refresh()
    assert shown(browser)["langs"] == ["en"]


@pytest.mark.parametrize("fixture, expected", [("browser", ["en"]), ("browser_ko", ["ko"])])
def test_default_language_follows_the_browser(request, server, fixture, expected):
    driver = request.getfixturevalue(fixture)
    forget_choice(driver, server)
    open_page(driver, server + CHAPTERS[1])
    assert shown(driver)["langs"] == expected


@pytest.mark.parametrize("query", ["손실", "잠재", "latent", "encoders"])
def test_search_finds_korean_and_english_words(browser, server, query):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}search.html?q={query}")
    found = WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "const items = document.querySelectorAll('#search-results li');"
        "return items.length ? [...items].map(li => li.querySelector('a').getAttribute('href')) : null;"))
    assert found, query


# The latent explorer ---------------------------------------------------------------------------------

EXPLORER = "book/explorer.html"
LATENT_POINTS = [[0.0, 0.0], [1.5, -0.5], [-2.0, 2.5], [3.0, 3.0], [-0.25, 0.75], [0.8, 1.9]]


def open_explorer(browser, server) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, server + EXPLORER)
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return !!window.latentExplorer;"))


def test_explorer_loads_its_scripts_on_its_page_only(site):
    assert (site / "_static" / "explorer" / "latent_explorer_data.js").stat().st_size > 500_000
    urls = resources(site, EXPLORER).urls
    assert any(u.endswith("explorer/latent_explorer_data.js") for u in urls)
    assert not any("latent_explorer" in u for u in resources(site, "notebooks/latent_space.html").urls)


def test_explorer_decodes_as_pytorch_in_the_browser(browser, server):
    import torch

    from vae_course.pretrained import load_pretrained

    open_explorer(browser, server)
    decoded = torch.tensor(browser.execute_script("return latentExplorer.decode(arguments[0]);", LATENT_POINTS),
                           dtype=torch.float64)
    with torch.no_grad():
        expected = torch.sigmoid(load_pretrained(1.0).model.decode(torch.tensor(LATENT_POINTS))).double()
    assert decoded.shape == (len(LATENT_POINTS), 784)
    assert (decoded - expected).abs().max() < 1e-4


def test_explorer_follows_the_pointer_and_the_keys(browser, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_explorer(browser, server)
    plane = browser.find_element(By.CSS_SELECTOR, "#latent-explorer-app .le-plane")
    readout = browser.find_element(By.CSS_SELECTOR, "#latent-explorer-app .le-readout")
    digit = "return [...document.querySelector('#latent-explorer-app .le-digit').getContext('2d')" \
            ".getImageData(0, 0, 60, 60).data].filter((v, i) => i % 4 == 0).reduce((a, b) => a + b, 0);"
    assert readout.text == "z = (0.00, 0.00)"
    before = browser.execute_script(digit)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", plane)  # actions do not scroll
    ActionChains(browser).move_to_element_with_offset(plane, 90, -90).click_and_hold().move_by_offset(20, 0).release().perform()
    z1, z2 = browser.execute_script("return latentExplorer.z();")
    assert z1 > 1 and z2 > 1 and browser.execute_script(digit) != before
    assert readout.text == f"z = ({z1:.2f}, {z2:.2f})"
    plane.send_keys(Keys.ARROW_LEFT)
    assert browser.execute_script("return latentExplorer.z();") == pytest.approx([z1 - 0.1, z2])
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []


def test_book_build_stops_with_the_command_when_weights_are_missing(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import latent_explorer
    from sphinx.errors import ExtensionError

    from vae_course import pretrained

    class App:
        class builder:
            format = "html"

        class config:
            latent_explorer_beta = 1.0

    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    with pytest.raises(ExtensionError, match=r"make pretrained.*"):
        latent_explorer.check_weights(App)
    monkeypatch.undo()
    latent_explorer.check_weights(App)  # with the package's weights: no error


# The site's root -------------------------------------------------------------------------------------

def test_root_redirect_keeps_query_and_fragment_and_works_without_script(site):
    page = (site / "index.html").read_text(encoding="utf-8")
    assert f'location.replace("{CHAPTERS[0]}" + location.search + location.hash)' in page
    assert f'<noscript><meta http-equiv="refresh" content="0; url={CHAPTERS[0]}"></noscript>' in page


def test_root_with_lang_lands_on_the_first_page_in_that_language(browser, server):
    """A link to the site's root with ?lang=ko shows the first page in Korean, in a browser that prefers English."""
    from selenium.webdriver.support.ui import WebDriverWait

    forget_choice(browser, server)
    open_page(browser, server + "?lang=ko")
    WebDriverWait(browser, 10).until(lambda b: b.current_url == f"{server}{CHAPTERS[0]}?lang=ko")
    state = shown(browser)
    assert state["langs"] == ["ko"] and state["pressed"] == ["ko"] and state["lang"] == "ko"
    open_page(browser, server + "index.html?lang=both#top")  # the fragment comes along too
    WebDriverWait(browser, 10).until(lambda b: b.current_url == f"{server}{CHAPTERS[0]}?lang=both#top")
    assert shown(browser)["langs"] == ["ko", "en"]
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
    forget_choice(browser, server)
