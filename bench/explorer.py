"""Benchmark: how long the latent explorer takes to decode and draw one digit in headless Chromium.

Serves the built book (`make book` first) on 127.0.0.1, opens the explorer page with every
other host unreachable and runs its own `latentExplorer.benchmark(n)`: n decode + draw updates.

    python bench/explorer.py [--site _build/html] [--updates 300]
"""
from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

PAGE = "book/explorer.html"


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def chromium() -> webdriver.Chrome:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        raise SystemExit("chromium and chromedriver are missing: run `make browser`.")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=Path("_build/html"))
    parser.add_argument("--updates", type=int, default=300)
    args = parser.parse_args()
    if not (args.site / PAGE).exists():
        raise SystemExit(f"{args.site / PAGE} is missing: build the book first (`make book`).")
    httpd, url = serve(args.site)
    browser = chromium()
    try:
        browser.set_script_timeout(60)
        browser.get(url + PAGE)
        WebDriverWait(browser, 10).until(lambda b: b.execute_script("return !!window.latentExplorer;"))
        timing = browser.execute_script("return latentExplorer.benchmark(arguments[0]);", args.updates)
    finally:
        browser.quit()
        httpd.shutdown()
    print(f"latent explorer, decode + draw in headless Chromium: median {timing['median']:.3f} ms, "
          f"mean {timing['mean']:.3f} ms over {timing['n']} updates")


if __name__ == "__main__":
    main()
