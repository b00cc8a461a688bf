"""Authoring services: character diffs of Chinese text, merge proposals, restore."""
import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.manuscripts.authoring import (char_diff,
                                            has_conflict_markers,
                                            merge_proposal,
                                            normalize_newlines,
                                            restore_chapter,
                                            side_by_side)
from alliance.manuscripts.books import find_book, find_chapter, read_chapter, save_chapter
from alliance.errors import ChapterLocked, Forbidden
from alliance.extensions import db, manuscript_store
from alliance.models import AuditEvent, ChapterState
from alliance.people.accounts import find_user
from alliance.store import FileNotFound, InvalidRevision


def test_char_diff_marks_single_chinese_characters():
    old, new = char_diff("劳动者权益保障", "劳动者合法权益保障")
    assert str(old) == "劳动者权益保障"
    assert str(new) == "劳动者<ins>合法</ins>权益保障"
    old, new = char_diff("新就业形态。", "新业态。")
    assert str(old) == "新<del>就</del>业<del>形</del>态。"
    assert str(new) == "新业态。"


def test_char_diff_escapes_markup_on_both_sides():
    old, new = char_diff("<b>甲</b>", "<script>alert(1)</script>甲")
    assert "<script" not in str(new) and "<b>" not in str(old) and "</b>" not in str(old)
    assert str(new).startswith("&lt;") and "&lt;/script" in str(new)
    assert str(old) == "&lt;<del>b</del>&gt;甲<del>&lt;/b&gt;</del>"


def test_side_by_side_pairs_changed_lines_and_shows_added_and_removed_ones():
    old = "# 第一章\n\n第一段。\n删掉的段落。\n"
    new = "# 第一章\n\n第一段，改过了。\n\n新加的段落。\n"
    rows = side_by_side(old, new)
    kinds = [r.kind for r in rows]
    assert kinds[:2] == ["equal", "equal"]
    changed = next(r for r in rows if r.kind == "change" and "第一段" in str(r.old_html))
    assert str(changed.new_html) == "第一段<ins>，改过了</ins>。"
    assert (changed.old_no, changed.new_no) == (3, 3)
    assert any("新加的段落" in str(r.new_html) for r in rows if r.kind in ("insert", "change"))
    assert any("删掉的段落" in str(r.old_html) for r in rows if r.kind in ("delete", "change"))


def test_unlike_lines_are_shown_whole_not_interleaved():
    rows = side_by_side("甲乙丙丁", "子丑寅卯")
    assert str(rows[0].old_html) == "<del>甲乙丙丁</del>"
    assert str(rows[0].new_html) == "<ins>子丑寅卯</ins>"


def test_merge_proposal_keeps_both_versions_of_a_conflict_and_merges_the_rest():
    base = "第一段。\n\n第二段。\n\n第三段。\n"
    mine = "第一段，我改的。\n\n第二段。\n\n第三段。\n"
    theirs = "第一段，他们改的。\n\n第二段。\n\n第三段，他们也改了。\n"
    proposal = merge_proposal(base, mine, theirs, labels=("我的", "原文", "他们的"))
    assert "第一段，我改的。" in proposal and "第一段，他们改的。" in proposal
    assert "第三段，他们也改了。" in proposal
    assert proposal.count("第二段。") == 1
    assert "<<<<<<< 我的" in proposal and ">>>>>>> 他们的" in proposal
    assert has_conflict_markers(proposal)


def test_conflict_markers_are_found_only_when_all_three_lines_are_there():
    assert not has_conflict_markers("正文\n=======\n还是正文\n")
    assert has_conflict_markers("<<<<<<< mine\n甲\n=======\n乙\n>>>>>>> theirs\n")


def test_normalize_newlines():
    assert normalize_newlines("甲\r\n乙\r丙\n") == "甲\n乙\n丙\n"


def _chapter_and_people(world):
    chapter = find_chapter(find_book("labor-rights"), "ch01")
    return chapter, find_user(world.emails["author"]), find_user(world.emails["other_author"])


def test_restore_makes_an_old_text_a_new_revision(app, world):
    with app.app_context():
        store = manuscript_store()
        chapter, author, _ = _chapter_and_people(world)
        first = read_chapter(store, chapter)
        save_chapter(store, chapter, author, "# 第一章\n\n改过的文字。\n", first.head, "改写")
        result = restore_chapter(store, chapter, author, first.head)
        db.session.commit()
        assert result.changed
        assert read_chapter(store, chapter).content == first.content
        assert chapter.revision == result.revision
        log = store.book("labor-rights").log(chapter.path)
        assert len(log) == 3 and log[0].message.startswith("Restore")
        assert log[0].email == author.email
        event = db.session.scalar(select(AuditEvent).filter_by(action=audit.CHAPTER_RESTORED))
        assert event.details["revision"] == first.head


def test_restore_is_refused_to_others_when_approved_and_for_bad_revisions(app, world):
    with app.app_context():
        store = manuscript_store()
        chapter, author, other = _chapter_and_people(world)
        head = store.book("labor-rights").head()
        with pytest.raises(Forbidden):
            restore_chapter(store, chapter, other, head)
        for bad in ("HEAD", "../../etc/passwd", "--output=/tmp/x", "0" * 40):
            with pytest.raises(InvalidRevision):
                restore_chapter(store, chapter, author, bad)
        before_chapter = store.book("labor-rights").log()[-1].revision  # book.yaml only
        with pytest.raises(FileNotFound):
            restore_chapter(store, chapter, author, before_chapter)
        chapter.state = ChapterState.APPROVED
        with pytest.raises(ChapterLocked):
            restore_chapter(store, chapter, author, head)
        assert store.book("labor-rights").head() == head
