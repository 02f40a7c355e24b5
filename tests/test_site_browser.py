"""The course website in a real browser (Chromium driven by Playwright).

Runs only when a built site is given: ``GENAI_KERAS_SITE=DIR`` (``python -m genai_keras
build-docs --out DIR`` first). Needs the ``docs`` extra (Playwright's Python package), a
system Chromium (``apt-get install chromium``; ``GENAI_KERAS_CHROMIUM`` names another
binary) and MathJax from the npm registry, which the pages load from a CDN:
``npm install --prefix .ci/mathjax --no-save mathjax@4`` (``GENAI_KERAS_MATHJAX`` names
another ``node_modules`` folder). The browser is offline: CDN requests are answered from
that folder, every other outside request is blocked (and its console error ignored).

Checks, on every chapter and solutions page: no console error, every figure of the
notebook displayed (as many images with a natural width > 0 as the notebook has image
outputs), the math typeset by MathJax (no raw ``$...$`` left), links to its notebook on
GitHub, in Colab, and to the previous/next page; a search for "ELBO" finds
chapter 02; every internal link of the site resolves (page and anchor); the API page of
one model class shows its methods. Screenshots of two pages go to ``DIR/_screenshots/``.
A copy of a page with a figure removed, and one without MathJax, must fail the checks.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
import urllib.parse
from pathlib import Path

import pytest

SITE = os.environ.get("GENAI_KERAS_SITE")
pytestmark = pytest.mark.skipif(
    not SITE, reason="set GENAI_KERAS_SITE to a folder built by `python -m genai_keras build-docs`"
)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GENAI_KERAS_CHROMIUM", "/usr/bin/chromium")
NODE_MODULES = Path(
    os.environ.get("GENAI_KERAS_MATHJAX", ROOT / ".ci" / "mathjax" / "node_modules")
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/((?:@[^/]+/)?[^/@]+)@[^/]+/(.*)$")
RAW_DOLLAR_MATH = re.compile(r"\$[^$\s][^$]*\$")
MODEL_CLASS = "genai_keras.models.vae.VAE"
MODEL_METHODS = ("encode", "decode", "sample", "compute_loss", "log_likelihood")


def site_pages(site: Path) -> list[Path]:
    """The chapter and solutions pages of a site, in order."""
    pages = sorted((site / "notebooks").glob("*.html")) + sorted(
        (site / "solutions").glob("*.html")
    )
    assert pages, f"{site} has no notebooks/*.html: is it a site built by build-docs?"
    return pages


def notebook_images(page: Path, site: Path) -> int:
    """How many image outputs the page's notebook holds (what the page must display)."""
    rel = page.relative_to(site).with_suffix(".ipynb")
    nb = json.loads((ROOT / rel).read_text(encoding="utf-8"))
    return sum(
        any(mime.startswith("image/") for mime in out.get("data", {}))
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def serve():
    """``serve(folder) -> base URL``: a folder on localhost, one server per folder."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site() -> Path:
    folder = Path(SITE).resolve()
    assert (folder / "index.html").is_file(), f"{folder}/index.html missing: build the site"
    return folder


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: apt-get install chromium"
    assert (NODE_MODULES / "mathjax").is_dir(), (
        f"no MathJax in {NODE_MODULES}: npm install --prefix .ci/mathjax --no-save mathjax@4"
    )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _route(route) -> None:
    """Answer CDN requests from the npm folder; block everything else from outside."""
    url = route.request.url
    if url.startswith("http://127.0.0.1:"):
        route.continue_()
        return
    match = CDN.match(url.split("?")[0])
    path = NODE_MODULES / match.group(1) / match.group(2) if match else None
    if path is not None and path.is_file():
        ctype = "application/javascript" if path.suffix == ".js" else None
        route.fulfill(path=str(path), content_type=ctype)
    else:
        route.abort()


def start_page(browser, url: str):
    """A new page navigating to ``url`` (not waited for: pages load side by side)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(180_000)  # MathJax on a busy 2-core machine
    context.route("**/*", _route)
    page = context.new_page()
    errors: list[str] = []

    def on_console(msg) -> None:
        source = (msg.location or {}).get("url", "")
        outside = source and not source.startswith("http://127.0.0.1:")
        if msg.type == "error" and not (outside and "Failed to load resource" in msg.text):
            errors.append(f"console: {msg.text} ({source})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    response = page.goto(url, wait_until="commit")
    if response is None or not response.ok:
        errors.append(f"HTTP {response.status if response else 'no response'} for {url}")
    return page, errors


def finish_page(page, errors: list[str]):
    """Wait until the page has loaded and MathJax has typeset it."""
    page.wait_for_load_state("load")
    page.evaluate(
        "async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
        " { await MathJax.startup.promise; } }"
    )
    return page, errors


def open_page(browser, url: str):
    """A new page at ``url``, loaded, MathJax done; returns (page, console errors)."""
    return finish_page(*start_page(browser, url))


def page_problems(page, expected_images: int) -> list[str]:
    """What is wrong with a loaded chapter page: figures not displayed, math not typeset."""
    problems = []
    widths = page.eval_on_selector_all(
        ".cell_output img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"
    )
    shown = sum(w > 0 for w in widths)
    if shown != expected_images:
        problems.append(
            f"figures: {shown} displayed (natural width > 0) of the notebook's {expected_images}"
        )
    broken = page.eval_on_selector_all(
        "img",
        "imgs => imgs.filter(i => i.src.startsWith(location.origin) && !(i.complete"
        " && i.naturalWidth > 0)).map(i => i.getAttribute('src'))",
    )
    if broken:
        problems.append(f"images not displayed: {broken[:3]}")
    math = page.evaluate(
        """() => {
          const all = [...document.querySelectorAll('.math')];
          const raw = all.filter(m => !m.querySelector('mjx-container')).length;
          const clone = document.querySelector('article, main, body').cloneNode(true);
          clone.querySelectorAll('pre, code, mjx-container, .cell_output, script, style')
               .forEach(n => n.remove());
          return {count: all.length, raw: raw, text: clone.textContent};
        }"""
    )
    if math["raw"]:
        problems.append(f"math: {math['raw']} of {math['count']} formulas not typeset by MathJax")
    dollars = RAW_DOLLAR_MATH.findall(math["text"])
    if dollars:
        problems.append(f"math: raw $...$ left in the text, e.g. {dollars[0][:60]!r}")
    return problems


def link_problems(page, notebook: str) -> list[str]:
    """Links a chapter page must have: its notebook on GitHub, in Colab, and the
    previous/next chapter."""
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    problems = []
    if not any("github.com/" in h and h.endswith("/blob/main/" + notebook) for h in hrefs):
        problems.append(f"no link to {notebook} on GitHub")
    if not any(
        h.startswith("https://colab.research.google.com/") and h.endswith(notebook) for h in hrefs
    ):
        problems.append(f"no Colab link for {notebook}")
    if not page.locator(".prev-next-area a").count():
        problems.append("no link to the previous or next page")
    return problems


def test_chapter_pages_show_outputs_figures_and_math(browser, site, serve):
    base = serve(site)
    report = {}
    paths = site_pages(site)
    started = [start_page(browser, base + path.relative_to(site).as_posix()) for path in paths]
    for path, (page, errors) in zip(paths, started, strict=True):
        finish_page(page, errors)
        notebook = path.relative_to(site).with_suffix(".ipynb").as_posix()
        problems = errors + page_problems(page, notebook_images(path, site))
        problems += link_problems(page, notebook)
        if path.name.startswith("02_"):
            (site / "_screenshots").mkdir(exist_ok=True)
            page.screenshot(path=str(site / "_screenshots" / "chapter_02.png"))
        page.context.close()
        if problems:
            report[path.name] = problems
    assert not report, "chapter pages with problems:\n" + json.dumps(report, indent=1)


def test_search_for_elbo_finds_chapter_02(browser, site, serve):
    page, errors = open_page(browser, serve(site) + "search.html?q=ELBO")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results li a').length > 0"
        " || /did not match|no results/i.test(document.body.innerText)",
        timeout=30_000,
    )
    hits = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    page.context.close()
    assert not errors, errors
    assert any("notebooks/02_" in h for h in hits), f"search for ELBO found {hits}"


def test_api_page_of_a_model_class_shows_its_methods(browser, site, serve):
    page, errors = open_page(browser, serve(site) + "api/models.vae.html")
    assert page.locator(f'[id="{MODEL_CLASS}"]').is_visible()
    missing = [
        m for m in MODEL_METHODS if not page.locator(f'[id="{MODEL_CLASS}.{m}"]').is_visible()
    ]
    (site / "_screenshots").mkdir(exist_ok=True)
    page.locator(f'[id="{MODEL_CLASS}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(site / "_screenshots" / "api_vae.png"))
    page.context.close()
    assert not errors, errors
    assert not missing, f"{MODEL_CLASS} methods not shown: {missing}"


def _links(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*?\shref="([^"]+)"', html)


def test_every_internal_link_resolves(site):
    """Every link of every page (chapters, API, index, search) names a page that exists
    and, with a #fragment, an element id on it."""
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))
        return ids[path]

    broken = []
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    for page in pages:
        for href in _links(page.read_text(encoding="utf-8")):
            parts = urllib.parse.urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (
                (page.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else page
            )
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                fragment = urllib.parse.unquote(parts.fragment)
                if fragment not in ids_of(target):
                    broken.append(f"{page.relative_to(site)}: {href} (no id {fragment!r})")
    assert len(pages) > 20, f"only {len(pages)} pages in {site}"
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:20])


def _copy_with(site: Path, tmp: Path, page: Path, change) -> Path:
    """A site whose one page is changed (the rest linked to the real site)."""
    copy = tmp / "site"
    copy.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name != page.parent.name:
            (copy / entry.name).symlink_to(entry)
    (copy / page.parent.name).mkdir()
    for other in page.parent.iterdir():
        (copy / page.parent.name / other.name).symlink_to(other)
    (copy / page.parent.name / page.name).unlink()
    text = page.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, "the change did not apply"
    (copy / page.parent.name / page.name).write_text(changed, encoding="utf-8")
    return copy


def test_checks_fail_without_a_figure_or_without_mathjax(browser, site, serve, tmp_path):
    """The checks can fail: the same page with one figure removed, or with the MathJax
    script removed, is reported (and the untouched page passes)."""
    # the page with the fewest formulas that has a figure and math (MathJax takes seconds)
    chapter = min(
        (p for p in site_pages(site) if notebook_images(p, site)),
        key=lambda p: p.read_text(encoding="utf-8").count('class="math') or float("inf"),
    )
    expected = notebook_images(chapter, site)
    rel = chapter.relative_to(site).as_posix()

    page, errors = open_page(browser, serve(site) + rel)
    assert not errors + page_problems(page, expected)
    page.context.close()

    no_figure = _copy_with(
        site,
        tmp_path / "a",
        chapter,
        lambda t: re.sub(r'<img alt="[^"]*_images/[^>]*>', "", t, count=1),
    )
    page, _ = open_page(browser, serve(no_figure) + rel)
    problems = page_problems(page, expected)
    page.context.close()
    assert any(p.startswith("figures:") for p in problems), problems

    no_mathjax = _copy_with(
        site,
        tmp_path / "b",
        chapter,
        lambda t: re.sub(r"<script[^>]*mathjax[^>]*></script>", "", t),
    )
    page, _ = open_page(browser, serve(no_mathjax) + rel)
    problems = page_problems(page, expected)
    page.context.close()
    assert any(p.startswith("math:") for p in problems), problems
