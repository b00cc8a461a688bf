"""The demo, served by `alliance demo` as `make demo` does, used in a real Chromium."""
import os
import shutil
import subprocess
import sys
import time

import pytest
import requests

from helpers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.e2e
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]



@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A fresh home seeded and served by `alliance demo`, on a free port."""
    home = tmp_path_factory.mktemp("demo-home")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "alliance.cli", "demo", "--port", str(port)],
        env={**os.environ, "ALLIANCE_HOME": str(home)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(url + "/login", timeout=5)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            if proc.poll() is not None:
                pytest.fail("alliance demo exited:\n" + proc.stdout.read())
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


def login(page, url, email, password="alliance-demo-2026"):
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def test_demo_author_sees_the_book_and_its_chapters_in_chinese(demo_url, browser, tmp_path):
    page = browser.new_page()
    login(page, demo_url, "author@ah.demo")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "新就业形态劳动者权益保障" in page.content()
    page.click("text=新就业形态劳动者权益保障")
    page.wait_for_load_state()
    body = page.inner_text("body")
    for title in ("新就业形态概述", "劳动报酬、休息与劳动安全", "工会组织与服务新就业形态劳动者"):
        assert title in body
    assert "草稿" in body and "张老师" in body
    page.click("text=新就业形态概述")
    page.wait_for_load_state()
    assert page.locator("h1", has_text="第一章").count() >= 1
    page.screenshot(path=str(tmp_path / "chapter.png"), full_page=True)


def test_figure_renders_as_an_image_in_the_chapter_page(demo_url, browser):
    page = browser.new_page()
    login(page, demo_url, "author@ah.demo")
    page.goto(demo_url + "/books/xinjiuye-quanyi/chapters/ch02")
    image = page.locator("figure img").first
    image.wait_for()
    width = page.evaluate("(img) => img.naturalWidth", image.element_handle())
    assert width > 0  # the SVG loaded from the book's repository


def test_wrong_password_shows_an_error_and_no_book(demo_url, browser):
    page = browser.new_page()
    login(page, demo_url, "author@ah.demo", password="wrong-password-123")
    assert page.locator("[role=alert]").count() == 1
    assert "新就业形态劳动者权益保障" not in page.content()


def test_english_can_be_chosen(demo_url, browser):
    page = browser.new_page()
    login(page, demo_url, "author@ah.demo")
    page.click("button[name=lang][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Log out" in page.inner_text("header")
