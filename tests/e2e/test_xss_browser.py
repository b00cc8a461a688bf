"""Hostile chapter text and images never run in a real Chromium, and leave no executable HTML.

Each input is saved as a revision of one chapter through the API (with a token)
or uploaded through the images page, then opened in the browser while dialogs,
page errors, console errors and CSP violations are recorded: there must be none.
"""
import os
import subprocess
import sys
import time

import pytest
import requests

from test_demo_browser import browser, free_port, login  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e
BOOK = "xinjiuye-quanyi"
EDITOR = "editor@cwph.demo"
FAILED_LOAD = "Failed to load resource"
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""
CHAPTER_INPUTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=5 /></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+)",
    '<a href="javascript:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "`<script>alert(1)</script>`{=html}",
    "```{=html}\n<script>alert(1)</script>\n```",
    "<details open ontoggle=alert(1)>x</details>",
    "<body onload=alert(1)>",
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](&#106;avascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "[link][x]\n\n[x]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '![x](https://example.invalid/x.png){onerror="alert(1)"}',
    '[x](https://example.invalid){onclick="alert(1)" style="color:red"}',
    '::: {onmouseover="alert(1)" style="position:fixed;inset:0"}\ntext\n:::',
    '# Heading {onclick="alert(1)"}',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "$$\\href{javascript:alert(1)}{x}$$",
    "[unclosed](javascript:alert(1)\n\n<scr<script>ipt>alert(1)</script>",
    "<!-- --><script>alert(1)</script> -->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "```\n</code></pre><script>alert(1)</script>\n```",
    "[x](vbscript:msgbox(1))",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "[x]( javascript:alert(1))\n\n[y](<javascript:alert(1)>)",
    '<img src="images/../../x" onerror=alert(1)>',
]
SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
IMAGE_INPUTS = {
    "onload.svg": SVG_HEAD + ' onload="alert(1)"><rect width="9" height="9"/></svg>',
    "script.svg": SVG_HEAD + '><script>alert(1)</script><circle r="4"/></svg>',
    "foreign.svg": SVG_HEAD + '><foreignObject width="9" height="9"><iframe '
                              'xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/>'
                              '</foreignObject></svg>',
    "link.svg": SVG_HEAD + '><a xlink:href="javascript:alert(1)"><text y="9">x</text></a></svg>',
    "image.svg": SVG_HEAD + '><image href="javascript:alert(1)" width="9" height="9"/>'
                            '<image xlink:href="https://example.invalid/t.png"/></svg>',
    "animate.svg": SVG_HEAD + '><a><set attributeName="href" to="javascript:alert(1)"/>'
                              '<animate attributeName="href" values="javascript:alert(1)"/>'
                              '<text y="9">x</text></a></svg>',
    "style.svg": SVG_HEAD + '><style>@import url(https://example.invalid/x.css);</style>'
                            '<rect style="fill:url(https://example.invalid/p)" width="9"'
                            ' height="9" onmouseover="alert(1)"/></svg>',
    "stylesheet.svg": '<?xml-stylesheet href="javascript:alert(1)"?>' + SVG_HEAD
                      + '><use href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/></svg>',
    "entity.svg": '<!DOCTYPE svg [<!ENTITY x "<script>alert(1)</script>">]>' + SVG_HEAD
                  + ">&x;</svg>",
    "html.png": "<html><body><script>alert(1)</script></body></html>",
    "polyglot.png": "\x89PNG\r\n\x1a\n<script>alert(1)</script>",
}
# Executable markup, found in innerHTML (where text never holds a raw '<').
EXECUTABLE = [r"<script", r"<iframe", r"<object", r"<embed", r"<base", r"<meta", r"<form",
              r"<style", r"<[^>]*\son[a-z]+\s*=", r"<[^>]*\sstyle\s*=",
              r"<[^>]*(href|src|action)\s*=\s*\"\s*(javascript|vbscript|data):"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo served from its own home, and an API token of its editor."""
    home = tmp_path_factory.mktemp("xss-home")
    env = {**os.environ, "ALLIANCE_HOME": str(home)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "alliance.cli", "demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/login", timeout=5)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            if proc.poll() is not None:
                pytest.fail("alliance demo exited:\n" + proc.stdout.read())
            time.sleep(0.1)
    token = subprocess.run([sys.executable, "-m", "alliance.cli", "token", "create", EDITOR],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    yield url, token
    proc.terminate()
    proc.wait(timeout=10)


def save_corpus(url, token):
    """Save every hostile input as a revision of a new chapter; return the revisions."""
    api = f"{url}/api/v1/books/{BOOK}/chapters"
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.post(api, json={"id": "xss", "title": "<script>alert(1)</script>"},
                           headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    revision, revisions = answer.json()["revision"], []
    for text in CHAPTER_INPUTS:
        answer = requests.put(f"{api}/xss", headers=headers, timeout=30,
                              json={"content": f"# 测试\n\n{text}\n", "base_revision": revision})
        assert answer.status_code == 200, answer.text
        revision = answer.json()["revision"]
        revisions.append(revision)
    return revisions


class Watch:
    """Everything a page did that would mean script ran or was blocked."""

    def __init__(self, page):
        self.page, self.events = page, []
        page.on("dialog", lambda d: (self.events.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: self.events.append(f"pageerror: {e}"))
        page.on("console", lambda m: self.events.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith(FAILED_LOAD) else None)
        # Failed loads are reported by URL instead, so the browser's favicon probe can pass.
        page.on("response", lambda r: self.events.append(f"{r.status}: {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    def visit(self, url):
        answer = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        found = self.events + self.page.evaluate("window.__violations || []")
        self.events = []
        return answer, found


def test_hostile_chapter_text_never_runs(site, browser):  # noqa: F811
    url, token = site
    revisions = save_corpus(url, token)
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    watch = Watch(page)
    login(page, url, EDITOR)
    problems = {}
    for text, revision in zip(CHAPTER_INPUTS, revisions):
        answer, found = watch.visit(f"{url}/books/{BOOK}/chapters/xss?rev={revision}")
        html = page.inner_html(".chapter-text")
        found += [f"markup: {p}" for p in EXECUTABLE if page.evaluate(
            "([h, p]) => new RegExp(p, 'i').test(h)", [html, p])]
        if answer.status != 200 or found:
            problems[text] = found or [answer.status]
    for path in (f"/books/{BOOK}", "/search?q=alert(1)", "/search?q=<script>alert(1)</script>"):
        answer, found = watch.visit(url + path)
        if answer.status != 200 or found:
            problems[path] = found or [answer.status]
    context.close()
    assert problems == {}


def test_hostile_images_never_run(site, browser):  # noqa: F811
    url, _token = site
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    watch = Watch(page)
    login(page, url, EDITOR)
    problems, stored, refusals = {}, [], []
    for name, content in IMAGE_INPUTS.items():
        watch.visit(f"{url}/books/{BOOK}/images")
        page.set_input_files("#image-file", {"name": name, "mimeType": "image/svg+xml",
                                             "buffer": content.encode("latin-1" if name.endswith(
                                                 ".png") else "utf-8")})
        page.click("form[enctype] button[type=submit]")
        page.wait_for_load_state("networkidle")
        refused = page.locator("p.error[role=alert]").count() > 0
        if refused:
            refusals.append(name)
        else:
            stored.append(page.locator(".image-list li.current code.image-name").inner_text())
        # A refusal answers 400 with the page and its message: expected, not a problem.
        found = [e for e in watch.events if not (refused and e.startswith("400: "))]
        found += page.evaluate("window.__violations || []")
        watch.events = []
        if found:
            problems[name] = found
    assert refusals == ["entity.svg", "html.png", "polyglot.png"] and len(stored) == 8
    answer, found = watch.visit(f"{url}/books/{BOOK}/images")
    if found:
        problems["images page"] = found
    for src in page.eval_on_selector_all(".image-list img", "els => els.map(e => e.src)"):
        answer, found = watch.visit(src)  # each image opened as a document of its own
        markup = page.content()
        found += [f"markup: {p}" for p in (r"<script", r"\son[a-z]+=", r"javascript:",
                                           r"foreignObject", r"example\.invalid") if
                  page.evaluate("([h, p]) => new RegExp(p, 'i').test(h)", [markup, p])]
        if answer.status != 200 or found:
            problems[src] = found or [answer.status]
    context.close()
    assert problems == {}
