"""The pages satisfy their Content-Security-Policy in a real Chromium: no violation, no console error."""
import pytest

from test_demo_browser import browser, demo_url, login  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

# Report every CSP violation into a list the test reads, before any page script runs.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""

BOOK = "/books/xinjiuye-quanyi"
PAGES = {
    "admin@alliance.demo": ["/", BOOK, BOOK + "/chapters/ch02", "/admin/audit", "/settings"],
    "author@ah.demo": ["/", BOOK, BOOK + "/chapters/ch01", BOOK + "/chapters/ch02",
                       "/settings"],
}
FAILED_LOAD = "Failed to load resource"
OPTIONAL = {"/settings"}  # built alongside; skipped while it answers 404


@pytest.mark.parametrize("email", sorted(PAGES))
def test_pages_raise_no_csp_violation(demo_url, browser, email):  # noqa: F811
    context = browser.new_context()
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    console = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}")
            if msg.type in ("error", "warning") and not msg.text.startswith(FAILED_LOAD)
            else None)
    # Failed loads are reported by URL instead, so the browser's own favicon probe can pass.
    page.on("response", lambda r: console.append(f"{r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    login(page, demo_url, email)
    assert "/login" not in page.url, f"{email} could not log in"
    problems = {}
    for path in PAGES[email]:
        answer = page.goto(demo_url + path)
        page.wait_for_load_state("networkidle")
        if answer.status == 404 and path in OPTIONAL:
            console.clear()
            continue
        assert answer.status == 200, f"{path}: {answer.status}"
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        found = page.evaluate("window.__cspViolations") + console
        if found:
            problems[path] = list(found)
        console.clear()
    context.close()
    assert problems == {}
