"""An export followed in Chromium: the progress bar moves as chapters render, then the page
lists the files, which download. The demo is served by `alliance demo` in a subprocess."""
import pytest

from test_demo_browser import browser, demo_url, login  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e


def test_the_progress_bar_moves_while_the_pdf_renders_then_the_files_download(demo_url,
                                                                             browser, tmp_path):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Content Security Policy" in msg.text
            and errors.append(msg.text))
    seen = []

    def record(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")
        if response.url.endswith("/status") and response.ok:
            try:
                job = response.json()
            except Exception:  # the last answer's body is gone once the page reloads
                return
            seen.append((job["state"], job["progress"]))

    page.on("response", record)
    login(page, demo_url, "production@cwph.demo")
    page.goto(demo_url + "/books/xinjiuye-quanyi")
    page.click("a.book-exports")
    page.wait_for_load_state()
    page.check("input[name=format][value=pdf]")
    page.click("form.export-form button[type=submit]")
    page.wait_for_selector("progress.export-progress")
    page.wait_for_selector("ul.export-files a.artifact-pdf", timeout=300_000)
    running = {p for state, p in seen if state in ("queued", "running")}
    assert len(running) > 2, seen  # the bar moved, chapter by chapter
    assert seen[-1][0] in ("running", "done")
    assert [p for _s, p in seen] == sorted(p for _s, p in seen)
    assert page.locator("progress.export-progress").get_attribute("value") in ("1", "1.0")
    assert "校样" in page.inner_text("main")  # the demo book is not all approved: a proof
    with page.expect_download() as download:
        page.click("a.artifact-pdf")
    path = tmp_path / "book.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert errors == []  # no CSP violations, no script errors
    page.screenshot(path=str(tmp_path / "job.png"), full_page=True)
