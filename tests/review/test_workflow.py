"""The review workflow service, comment anchoring and the character diff."""
import subprocess

import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.review import workflow
from alliance.manuscripts.books import add_member, find_book, find_chapter, save_chapter
from alliance.review.comments import add_comment, char_diff_html, place, reanchor
from alliance.errors import ChapterLocked, Forbidden, Invalid
from alliance.extensions import db, manuscript_store
from alliance.models import AuditEvent, ChapterState, User
from alliance.people.accounts import create_user

from conftest import PASSWORD

TEXT = "# 标题\n\n甲行。\n\n乙行。\n\n丙行。\n"


def test_reanchor_follows_lines_inserted_or_deleted_above():
    new = "# 标题\n\n新增一段。\n\n甲行。\n\n乙行。\n\n丙行。\n"
    assert reanchor(TEXT, new, 5, 7) == (7, 9)
    assert reanchor(new, TEXT, 7, 9) == (5, 7)
    assert reanchor(TEXT, TEXT + "丁行。\n", 3, 5) == (3, 5)


def test_reanchor_marks_a_comment_outdated_when_its_own_lines_change():
    assert reanchor(TEXT, TEXT.replace("乙行", "乙改行"), 5, 7) is None
    assert reanchor(TEXT, TEXT.replace("乙行。\n\n", ""), 5, 7) is None
    # A line inserted inside the range splits it: the comment no longer fits as it was.
    assert reanchor(TEXT, TEXT.replace("乙行。\n", "乙行。\n插入\n"), 5, 7) is None


def test_char_diff_marks_chinese_characters_and_escapes_markup():
    hunks = char_diff_html("劳动者<b>权益</b>保障。\n", "劳动者<b>合法权益</b>保障。\n")
    html = "".join(hunks)
    assert "<ins>合法</ins>" in html and "&lt;b&gt;" in html and "<b>" not in html
    html = "".join(char_diff_html("工会应当吸纳。\n", "工会必须吸纳。\n"))
    assert "<del>应当</del><ins>必须</ins>" in html
    assert char_diff_html(TEXT, TEXT) == []


@pytest.fixture
def ctx(app, world):
    """An app context with the world's book, chapter and people loaded."""
    with app.app_context():
        book = find_book("labor-rights")
        users = {k: db.session.scalar(select(User).filter_by(email=e))
                 for k, e in world.emails.items()}
        store = manuscript_store()
        yield store, book, find_chapter(book, "ch01"), users


def _second_editor(book, email):
    user = create_user(email, "复审编辑", book.members[0].user.org, PASSWORD)
    add_member(book, user, "editor")
    return user


def test_default_stages_and_who_may_act(ctx):
    store, book, chapter, u = ctx
    assert [s.name for s in workflow.stages(book)] == ["初审", "复审", "终审"]
    with pytest.raises(Forbidden):
        workflow.submit(store, chapter, u["other_author"])
    with pytest.raises(Forbidden):
        workflow.submit(store, chapter, u["editor"])
    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.approve(store, chapter, u["editor"])
    assert "draft" in refused.value.message and refused.value.status == 409
    with pytest.raises(Forbidden):  # an author cannot approve, whatever the state
        workflow.approve(store, chapter, u["author"])
    workflow.submit(store, chapter, u["coordinator"], "交稿")
    assert chapter.state == ChapterState.SUBMITTED and chapter.review_stage == 1
    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.submit(store, chapter, u["author"])
    assert "submitted" in refused.value.message and "初审" in refused.value.message
    with pytest.raises(Forbidden):
        workflow.approve(store, chapter, u["author"])


def test_one_editor_cannot_pass_two_stages_unless_the_book_allows_it(ctx):
    store, book, chapter, u = ctx
    workflow.submit(store, chapter, u["author"])
    workflow.approve(store, chapter, u["editor"])
    assert chapter.state == ChapterState.IN_REVIEW and chapter.review_stage == 2
    with pytest.raises(Forbidden) as refused:
        workflow.approve(store, chapter, u["editor"])
    assert "复审" in refused.value.message
    workflow.configure_stages(book, [(s.name, None) for s in workflow.stages(book)], True,
                              u["editor"])
    workflow.approve(store, chapter, u["editor"])
    last = workflow.approve(store, chapter, u["editor"], "同意付印")
    assert chapter.state == ChapterState.APPROVED and chapter.review_stage is None
    assert chapter.approved_revision == chapter.revision == last.revision
    repo = manuscript_store().book("labor-rights")
    pinned = subprocess.run(["git", "--git-dir", repo.path, "rev-parse", "refs/approved/ch01"],
                            capture_output=True, text=True).stdout.strip()
    assert pinned == chapter.revision
    with pytest.raises(ChapterLocked):
        save_chapter(store, chapter, u["author"], "改", chapter.revision)
    with pytest.raises(Forbidden):
        workflow.reopen(store, chapter, u["author"])
    workflow.reopen(store, chapter, u["editor"], "需要补充")
    assert chapter.state == ChapterState.DRAFT
    assert repo.resolve(chapter.approved_revision)  # the pin stays, for history and exports
    save_chapter(store, chapter, u["author"], "# 新\n", repo.head())
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target == "ch01").order_by(AuditEvent.id)).all()
    assert actions == [audit.CHAPTER_SUBMITTED, audit.STAGE_APPROVED, audit.STAGE_APPROVED,
                       audit.CHAPTER_APPROVED, audit.CHAPTER_REOPENED]


def test_assigned_reviewer_alone_passes_their_stage(ctx):
    store, book, chapter, u = ctx
    senior = _second_editor(book, "senior@cwph.test")
    workflow.configure_stages(book, [("初审", u["editor"]), ("终审", senior)], False,
                              u["editor"])
    workflow.submit(store, chapter, u["author"])
    with pytest.raises(Forbidden):
        workflow.approve(store, chapter, senior)
    workflow.approve(store, chapter, u["editor"])
    with pytest.raises(Forbidden):
        workflow.request_changes(store, chapter, u["editor"], "再改")
    workflow.request_changes(store, chapter, senior, "请修改第二节")
    assert chapter.state == ChapterState.DRAFT
    rows = workflow.transitions(chapter)
    assert [(r.action, r.stage_name, r.actor.email) for r in rows] == [
        ("submit", None, u["author"].email), ("approve", "初审", u["editor"].email),
        ("request_changes", "终审", senior.email)]
    assert rows[-1].comment == "请修改第二节" and rows[-1].revision == chapter.revision


def test_stage_configuration_is_checked(ctx):
    store, book, chapter, u = ctx
    with pytest.raises(Invalid):
        workflow.configure_stages(book, [("初审", u["author"])], False, u["editor"])
    with pytest.raises(Invalid):
        workflow.configure_stages(book, [], False, u["editor"])
    with pytest.raises(Forbidden):
        workflow.configure_stages(book, [("初审", None)], False, u["author"])
    for bad in ("初审\r\nBcc: all@example.com", "复审\n", "终审\u202e"):
        with pytest.raises(Invalid) as refused:  # a stage name ends up in mail subjects
            workflow.configure_stages(book, [(bad, None)], False, u["editor"])
        assert "U+" in refused.value.message
    workflow.submit(store, chapter, u["author"])
    workflow.approve(store, chapter, u["editor"])  # now waiting at stage 2
    with pytest.raises(Invalid):
        workflow.configure_stages(book, [("终审", None)], False, u["editor"])
    with pytest.raises(Invalid):
        workflow.act(store, chapter, u["editor"], "publish")


def test_comments_follow_the_text_or_become_outdated(ctx):
    store, book, chapter, u = ctx
    repo = store.book("labor-rights")
    first = save_chapter(store, chapter, u["author"], TEXT, repo.head()).revision
    kept = add_comment(store, chapter, u["editor"], first, 5, 7, "乙丙两段需要核实")
    changed = add_comment(store, chapter, u["editor"], first, 3, 3, "甲行措辞")
    assert kept.anchored_text == "乙行。\n\n丙行。"
    with pytest.raises(Invalid):
        add_comment(store, chapter, u["editor"], first, 7, 99, "越界")
    with pytest.raises(Forbidden):
        add_comment(store, chapter, u["other_author"], first, 1, 1, "不是我的")
    text = "# 标题\n\n导语。\n\n甲行改了。\n\n乙行。\n\n丙行。\n"
    second = save_chapter(store, chapter, u["author"], text, first).revision
    placed = {p.thread.id: p for p in place(store, chapter, second, text)}
    assert (placed[kept.id].line_start, placed[kept.id].line_end) == (7, 9)
    assert not placed[kept.id].outdated and placed[changed.id].outdated


def test_set_ref_refuses_names_outside_refs_approved(ctx):
    repo = ctx[0].book("labor-rights")
    for name in ("refs/heads/main", "refs/approved/../heads/main", "refs/approved/a b",
                 "HEAD", "refs/approved/"):
        with pytest.raises(ValueError):
            repo.set_ref(name, repo.head())
