"""The chapter editor in a real Chromium, against `alliance demo`: write, preview, save,
history, diff, restore; two people at once (clean merge, resolution screen); drafts kept."""
import re

import pytest

from test_demo_browser import browser, demo_url, login  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

BOOK = "/books/xinjiuye-quanyi"
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
# The browser logs an answer like 409 as a failed load; those are expected here.
FAILED_LOAD = "Failed to load resource"


def new_page(browser, problems):  # noqa: F811
    """A page in its own context (its own cookies and storage) that reports script trouble."""
    context = browser.new_context()
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith(FAILED_LOAD) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append("dialog: " + d.message))
    return page


def open_editor(page, url, key):
    page.goto(f"{url}{BOOK}/chapters/{key}")
    page.click("a.chapter-edit")
    page.wait_for_selector(".cm-content")


def type_at(page, where, text):
    """Type ``text`` in the code editor at the end of the first line or of the text."""
    page.click(".cm-content")
    if where == "first line":
        page.keyboard.press("Control+Home")
        page.keyboard.press("End")
    else:
        page.keyboard.press("Control+End")
    page.keyboard.insert_text(text)


def save(page, message, expect_status=None):
    page.fill("input[name=message]", message)
    with page.expect_navigation() as navigation:
        page.click("form[data-editor-form] button[type=submit]")
    response = navigation.value
    if expect_status is not None:
        assert response.status == expect_status
    return response


def editor_text(page):
    return page.eval_on_selector("textarea[data-editor]", "t => t.value")


def check_clean(page, problems):
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_write_preview_save_history_diff_restore(demo_url, browser):  # noqa: F811
    problems = []
    page = new_page(browser, problems)
    login(page, demo_url, "author@ah.demo")
    open_editor(page, demo_url, "ch01")
    sentence = "平台企业应当依法保障劳动者的休息权利。"
    type_at(page, "end", "\n\n" + sentence)
    preview = page.locator("[data-preview]")
    preview.get_by_text(sentence).wait_for()  # rendered by pandoc on the server
    font = page.eval_on_selector("[data-preview] p", "p => getComputedStyle(p).fontFamily")
    assert "Noto Serif CJK SC" in font
    page.click("button[data-insert=footnote]")
    preview.locator(".footnotes").wait_for()
    save(page, "补充休息权利", expect_status=200)
    assert page.url.endswith(f"{BOOK}/chapters/ch01")
    assert page.locator(".flash").inner_text().strip() == "已保存。"
    assert sentence in page.inner_text(".chapter-text")

    page.click("a.chapter-history")
    rows = page.locator("table.revisions-table tbody tr")
    assert "补充休息权利" in rows.first.inner_text() and "安徽省总工会干部学校" in rows.first.inner_text()
    page.click("button[form=compare-form]")
    page.wait_for_selector("table.diff")
    assert sentence in "".join(page.locator("table.diff ins").all_inner_texts())

    page.go_back()
    with page.expect_navigation():
        rows.nth(1).locator("button", has_text="恢复").click()
    assert "已将修订" in page.locator(".flash").inner_text()
    assert page.locator("table.revisions-table tbody tr").first.inner_text().count("Restore") == 1
    page.goto(f"{demo_url}{BOOK}/chapters/ch01")
    assert sentence not in page.inner_text(".chapter-text")
    check_clean(page, problems)


def two_editors(browser, demo_url, key):  # noqa: F811
    problems = []
    first, second = new_page(browser, problems), new_page(browser, problems)
    login(first, demo_url, "editor@cwph.demo")
    login(second, demo_url, "author@hb.demo")
    open_editor(first, demo_url, key)
    open_editor(second, demo_url, key)
    return first, second, problems


def test_disjoint_edits_by_two_people_merge_cleanly(demo_url, browser):  # noqa: F811
    first, second, problems = two_editors(browser, demo_url, "ch03")
    type_at(first, "first line", "（编辑修订）")
    save(first, "编辑改标题", expect_status=200)
    type_at(second, "end", "\n\n作者在章末补充的一段话。")
    save(second, "作者补充结尾", expect_status=200)
    assert second.locator(".flash").inner_text().strip() == "已保存，并已与他人的修改合并。"
    text = second.inner_text(".chapter-text")
    assert "（编辑修订）" in text and "作者在章末补充的一段话。" in text
    check_clean(first, problems)


def test_overlapping_edits_open_the_resolution_screen(demo_url, browser):  # noqa: F811
    first, second, problems = two_editors(browser, demo_url, "ch04")
    type_at(first, "first line", "（编辑的标题）")
    save(first, "编辑的修改", expect_status=200)
    type_at(second, "first line", "（作者的标题）")
    save(second, "作者的修改", expect_status=409)
    compare = second.locator("table.diff")
    # Only the characters that differ are marked: 编辑 (theirs) against 作者 (mine).
    assert compare.locator("del").all_inner_texts() == ["编辑"]
    assert compare.locator("ins").all_inner_texts() == ["作者"]
    proposal = editor_text(second)
    assert "（编辑的标题）" in proposal and "（作者的标题）" in proposal
    # The author keeps both additions to the heading and deletes the marker lines.
    block = re.search(r"<<<<<<< [^\n]*\n(.*?)\n=======\n(.*?)\n>>>>>>> [^\n]*\n", proposal, re.S)
    theirs = block.group(2)
    resolved = proposal[:block.start()] + theirs + "（作者的标题）\n" + proposal[block.end():]
    second.click(".cm-content")
    second.keyboard.press("Control+A")
    second.keyboard.insert_text(resolved)
    save(second, "合并两人的修改", expect_status=200)
    assert second.locator(".flash").inner_text().strip() == "已保存。"
    heading = second.inner_text(".chapter-text h1")
    assert "（编辑的标题）" in heading and "（作者的标题）" in heading
    second.click("a.chapter-history")
    history = second.inner_text("table.revisions-table")
    assert "编辑的修改" in history and "合并两人的修改" in history
    check_clean(second, problems)


def test_a_draft_survives_a_reload_and_an_expired_session(demo_url, browser):  # noqa: F811
    problems = []
    page = new_page(browser, problems)
    login(page, demo_url, "author@hlj.demo")
    open_editor(page, demo_url, "ch05")
    draft = "\n\n没有保存的一段文字，不能丢。"
    type_at(page, "end", draft)
    page.reload()
    page.wait_for_selector(".cm-content")
    banner = page.locator("[data-draft-banner]")
    assert banner.is_visible()
    assert "不能丢" not in editor_text(page)
    page.click("[data-draft-restore]")
    assert banner.is_hidden()
    assert editor_text(page).endswith(draft + "\n") or editor_text(page).endswith(draft)

    # The session ends while the author writes: the save fails, the draft does not.
    page.context.clear_cookies()
    type_at(page, "end", "又写了一句。")
    save(page, "会话过期时保存", expect_status=400)
    login(page, demo_url, "author@hlj.demo")
    open_editor(page, demo_url, "ch05")
    assert banner.is_visible()
    page.click("[data-draft-restore]")
    assert "又写了一句。" in editor_text(page)
    save(page, "恢复草稿后保存", expect_status=200)
    assert "又写了一句。" in page.inner_text(".chapter-text")
    # Saved: the draft is gone, so the editor offers nothing.
    open_editor(page, demo_url, "ch05")
    assert banner.is_hidden()
    check_clean(page, problems)
