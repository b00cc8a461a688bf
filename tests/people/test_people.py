"""People services: accounts, passwords, language, tokens; book members and assignments."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.manuscripts.books import add_member, find_book, remove_member, set_assignees
from alliance.errors import Forbidden, Invalid, NotFound
from alliance.extensions import db
from alliance.models import ApiToken, AuditEvent
from alliance.people.accounts import (change_password,
                                      create_token,
                                      create_user,
                                      deactivate_user,
                                      find_org,
                                      find_user,
                                      list_tokens,
                                      reactivate_user,
                                      reset_password,
                                      revoke_token,
                                      set_locale,
                                      user_for_token)
from alliance.people.permissions import can_assign_chapter, can_manage_members
from conftest import PASSWORD


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield world


def events(action):
    return db.session.scalars(select(AuditEvent).filter_by(action=action)).all()


def person(key):
    return find_user({"editor": "editor@cwph.test", "author": "author@ah.test",
                      "other_author": "author@hb.test", "coordinator": "coord@ah.test"}[key])


def test_deactivation_stops_tokens_at_once_and_reactivation_restores_them(ctx):
    author, editor = person("author"), person("editor")
    token = ctx.tokens[author.email]
    deactivate_user(author, editor)
    assert user_for_token(token) is None
    reactivate_user(author, editor)
    assert user_for_token(token) == author
    assert [e.actor for e in events(audit.USER_DEACTIVATED)] == [editor]
    assert len(events(audit.USER_REACTIVATED)) == 1


def test_nobody_deactivates_themselves(ctx):
    with pytest.raises(Invalid):
        deactivate_user(person("editor"), person("editor"))


def test_reset_password_returns_a_working_temporary_password(ctx):
    author = person("author")
    temporary = reset_password(author, person("editor"))
    assert len(temporary) >= 10 and author.check_password(temporary)
    assert not author.check_password(PASSWORD)
    assert events(audit.PASSWORD_RESET)[0].target == author.email


def test_change_password_checks_the_current_one_and_the_length(ctx):
    author = person("author")
    with pytest.raises(Invalid):
        change_password(author, "wrong-password", "a-new-long-password")
    with pytest.raises(Invalid):
        change_password(author, PASSWORD, "short")
    change_password(author, PASSWORD, "a-new-long-password")
    assert author.check_password("a-new-long-password")
    assert [e.actor for e in events(audit.PASSWORD_CHANGED)] == [author]


def test_set_locale_accepts_only_known_languages(ctx):
    author = person("author")
    set_locale(author, "en")
    assert author.locale == "en"
    with pytest.raises(Invalid):
        set_locale(author, "fr")


def test_tokens_are_listed_revoked_by_their_owner_only_and_audited(ctx):
    author, other = person("author"), person("other_author")
    token = create_token(author, "laptop", actor=author)
    row = next(t for t in list_tokens(author) if t.name == "laptop")
    assert row.token_hash != token and token not in row.token_hash
    with pytest.raises(NotFound):
        revoke_token(other, row.id)
    assert user_for_token(token) == author
    revoke_token(author, row.id, actor=author)
    assert user_for_token(token) is None
    revoke_token(author, row.id, actor=author)  # twice is harmless, recorded once
    created = [e for e in events(audit.TOKEN_CREATED) if e.details.get("name") == "laptop"]
    assert created[0].actor == author
    assert [e.details["token_id"] for e in events(audit.TOKEN_REVOKED)] == [row.id]


def test_create_user_is_audited_with_its_actor(ctx):
    editor = person("editor")
    create_user("new@ah.test", "新老师", find_org("安徽省总工会干部学校"), PASSWORD, actor=editor)
    event = events(audit.USER_CREATED)[-1]
    assert event.target == "new@ah.test" and event.actor == editor


def test_members_are_added_and_removed_with_audit_events(ctx):
    book, editor, other = find_book("labor-rights"), person("editor"), person("other_author")
    add_member(book, other, "production", actor=editor)
    add_member(book, other, "production", actor=editor)  # twice: one role, one event
    remove_member(book, other, "production", editor)
    added = [e for e in events(audit.ROLE_ADDED) if e.details["role"] == "production"]
    assert len(added) == 1 and added[0].actor == editor and added[0].book == book
    assert events(audit.ROLE_REMOVED)[0].details["role"] == "production"
    with pytest.raises(NotFound):
        remove_member(book, other, "production", editor)


def test_a_leaving_author_leaves_their_chapters_and_the_last_editor_stays(ctx):
    book, editor, author = find_book("labor-rights"), person("editor"), person("author")
    remove_member(book, author, "author", editor)
    assert book.chapters[0].assignees == []
    with pytest.raises(Invalid):
        remove_member(book, editor, "editor", editor)


def test_assignees_must_be_authors_of_the_book(ctx):
    chapter = find_book("labor-rights").chapters[0]
    with pytest.raises(Invalid):
        set_assignees(chapter, [person("coordinator")], person("editor"))


def test_editors_assign_any_author_coordinators_only_their_schools(ctx):
    chapter = find_book("labor-rights").chapters[0]
    editor, coordinator = person("editor"), person("coordinator")
    author, other = person("author"), person("other_author")
    assert can_assign_chapter(coordinator, chapter, author)
    assert not can_assign_chapter(coordinator, chapter, other)
    with pytest.raises(Forbidden):
        set_assignees(chapter, [author, other], coordinator)
    assert chapter.assignees == [author]
    set_assignees(chapter, [other], editor)
    # Now the chapter is the other school's: the coordinator may not take it back.
    assert not can_assign_chapter(coordinator, chapter, author)
    with pytest.raises(Forbidden):
        set_assignees(chapter, [author], coordinator)
    with pytest.raises(Forbidden):
        set_assignees(chapter, [], coordinator)
    set_assignees(chapter, [], editor)
    set_assignees(chapter, [author], coordinator)  # unassigned: theirs to assign
    assert chapter.assignees == [author]
    assigned = events(audit.CHAPTER_ASSIGNED)
    assert assigned[-1].actor == coordinator and assigned[-1].details["after"] == [author.email]


def test_only_editors_and_admins_manage_members(ctx):
    book = find_book("labor-rights")
    assert can_manage_members(person("editor"), book)
    assert not can_manage_members(person("coordinator"), book)
    assert not can_manage_members(person("author"), book)


def test_a_token_s_last_use_is_written_at_most_once_a_minute(ctx):
    author = person("author")
    token = ctx.tokens[author.email]
    row = db.session.scalar(select(ApiToken).filter_by(user_id=author.id))
    assert row.last_used_at is None
    assert user_for_token(token) == author
    db.session.commit()
    first = row.last_used_at  # as stored
    assert first is not None
    assert user_for_token(token) == author
    assert not db.session.dirty  # a second call within the minute writes nothing
    db.session.commit()
    assert row.last_used_at == first
    row.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    user_for_token(token)
    db.session.commit()
    assert row.last_used_at >= first
