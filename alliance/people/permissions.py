"""Every permission rule, as ``can_...`` predicates used by pages, API and Git alike."""
from ..models import BookRole, OrgKind


def roles_on(user, book):
    """Return the set of BookRole the user holds on ``book``."""
    return {m.role for m in user.memberships if m.book_id == book.id}


def can_read_book(user, book):
    """Admins, the book's members, the publisher's staff and the lead school may read it."""
    if user is None or not user.is_active:
        return False
    return (user.is_admin or bool(roles_on(user, book))
            or user.org.kind == OrgKind.PUBLISHER or user.org_id == book.lead_org_id)


def can_create_book(user):
    """Admins, and the publisher's editors (editor of some book), may create books."""
    if not user.is_active:
        return False
    return user.is_admin or (user.org.kind == OrgKind.PUBLISHER and any(
        m.role == BookRole.EDITOR for m in user.memberships))


def can_manage_book(user, book):
    """Admins and the book's editors manage it: members, chapters, order."""
    return user.is_active and (user.is_admin or BookRole.EDITOR in roles_on(user, book))


def can_edit_chapter(user, chapter):
    """Editors of the book, its assigned authors, and coordinators of their schools may edit.

    Whether the chapter's state allows a save (it may be approved and locked) is
    the workflow's question, not this one.
    """
    if not user.is_active:
        return False
    if can_manage_book(user, chapter.book):
        return True
    roles = roles_on(user, chapter.book)
    if BookRole.AUTHOR in roles and user in chapter.assignees:
        return True
    if BookRole.COORDINATOR in roles:
        return any(a.org_id == user.org_id for a in chapter.assignees)
    return False


def can_administer(user):
    """Only active site admins administer organisations and users."""
    return user is not None and user.is_active and user.is_admin


def can_manage_members(user, book):
    """Admins and the book's editors add and remove the book's members."""
    return can_manage_book(user, book)


def can_assign_chapter(user, chapter, assignee=None):
    """May ``user`` make ``assignee`` (an author of the book) an assignee of ``chapter``?

    Editors and admins may assign any author of the book. A coordinator may
    assign only authors of their own school, and only on chapters that are
    unassigned or assigned to their school's authors: another school's chapter
    is not theirs to take. With ``assignee`` None: may they change the
    chapter's assignees at all (e.g. clear them)?
    """
    if user is None or not user.is_active:
        return False
    book = chapter.book
    if assignee is not None and BookRole.AUTHOR not in roles_on(assignee, book):
        return False
    if can_manage_book(user, book):
        return True
    if BookRole.COORDINATOR not in roles_on(user, book):
        return False
    ours = all(a.org_id == user.org_id for a in chapter.assignees)
    return ours and (assignee is None or assignee.org_id == user.org_id)


def can_push_book(user, book):
    """May ``user`` push to the book's repository at all? Its editors, and whoever may edit
    one of its chapters; what each push may change is can_push_file's question."""
    return can_manage_book(user, book) or any(can_edit_chapter(user, c) for c in book.chapters)


def can_push_file(user, book, chapter=None):
    """May ``user`` change a file of ``book`` by a Git push? A chapter's file (``chapter``
    given): whoever may edit the chapter. Anything else (book.yaml, images/, a new
    chapter's file): the book's editors, as on the pages."""
    if chapter is not None:
        return can_edit_chapter(user, chapter)
    return can_manage_book(user, book)


def can_upload_image(user, book):
    """Editors, and anyone who may edit some chapter of the book, add images to it."""
    return user.is_active and (can_manage_book(user, book)
                               or any(can_edit_chapter(user, c) for c in book.chapters))


def can_submit_chapter(user, chapter):
    """The chapter's assigned authors, and coordinators of their schools, submit it for review."""
    if user is None or not user.is_active:
        return False
    roles = roles_on(user, chapter.book)
    if BookRole.AUTHOR in roles and user in chapter.assignees:
        return True
    return BookRole.COORDINATOR in roles and any(a.org_id == user.org_id
                                                 for a in chapter.assignees)


def can_pass_stage(user, book, reviewer):
    """The stage's assigned ``reviewer`` passes it; with nobody assigned, any editor of the book."""
    if user is None or not user.is_active:
        return False
    if reviewer is not None:
        return user.id == reviewer.id
    return BookRole.EDITOR in roles_on(user, book)


def can_reopen_chapter(user, chapter):
    """Editors of the book (and admins) reopen an approved chapter."""
    return can_manage_book(user, chapter.book)


def can_comment_chapter(user, chapter):
    """Those who may edit the chapter (editors, its authors, their coordinators) discuss it."""
    return user is not None and can_edit_chapter(user, chapter)


def can_read_book_audit(user, book):
    """Editors of the book and admins read its audit log and configure its review stages."""
    return user is not None and can_manage_book(user, book)


def can_manage_agreements(user):
    """Admins, and the publisher's editors (editor of some book), draw up and change agreements."""
    return user is not None and can_create_book(user)


def can_read_agreement(user, agreement):
    """Admins, the publisher's staff, and any active person of a school party to the agreement."""
    if user is None or not user.is_active:
        return False
    return (user.is_admin or user.org.kind == OrgKind.PUBLISHER
            or any(p.org_id == user.org_id for p in agreement.parties))


def can_check_book(user, book):
    """The book's editors and production staff (and admins) run its pre-publication checks."""
    if user is None or not user.is_active:
        return False
    return user.is_admin or bool(roles_on(user, book) & {BookRole.EDITOR, BookRole.PRODUCTION})


def can_deliver(user, book, agreement):
    """Those who may check the book deliver it, under an agreement they may read."""
    return can_check_book(user, book) and can_read_agreement(user, agreement)


def can_export(user, book):
    """The book's production staff and editors, and admins, start exports (proofs included).

    Schools' authors and coordinators do not: renders are costly and shared, and they read
    the text on the chapter pages; they may download the files of exports made for the
    book, like everyone who may read it (can_read_book).
    """
    if user is None or not user.is_active:
        return False
    return user.is_admin or bool(roles_on(user, book) & {BookRole.PRODUCTION, BookRole.EDITOR})


def can_create_edition(user, book):
    """The book's production staff and admins tag an edition (the book must be approved)."""
    if user is None or not user.is_active:
        return False
    return user.is_admin or BookRole.PRODUCTION in roles_on(user, book)


def can_see_delivery(user, delivery):
    """Those who may check the book, and readers of both the agreement and the book, see a
    delivery and download its package."""
    if user is None or not user.is_active:
        return False
    return can_check_book(user, delivery.book) or (
        can_read_agreement(user, delivery.agreement) and can_read_book(user, delivery.book))
