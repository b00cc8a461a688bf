"""The demo alliance: the publisher, the nine member schools, people in every role, one book.

seed() is idempotent: what exists is left as it is.
"""
from pathlib import Path

from sqlalchemy import select

from ..publishing import bookmeta
from ..manuscripts.books import add_member, create_book, create_chapter, person, record_change
from ..extensions import db
from ..models import Book, Organization, OrgKind
from ..people.accounts import create_org, create_user, find_user
from ..review.workflow import configure_stages
from .agreements import seed_agreements

CONTENT = Path(__file__).parent / "content"
PASSWORD = "alliance-demo-2026"
PUBLISHER = "中国工人出版社"
SCHOOLS = [
    "北京市工会干部学院（北京市总工会职工大学）",
    "天津市工会管理干部学院",
    "黑龙江省工会干部学院",
    "上海工会管理职业学院",
    "浙江省总工会干部学院",
    "安徽省总工会干部学校",
    "山东管理学院",
    "湖北省工会干部学校",
    "井冈山职工教育培训中心",
]
BOOK_SLUG = "xinjiuye-quanyi"
# The book's three reviews (三审) and who passes each.
STAGES = [("初审", "editor@cwph.demo"), ("复审", "senior@cwph.demo"), ("终审", "chief@cwph.demo")]
# (role on the book, e-mail, name, organisation, chapters written)
PEOPLE = [
    ("admin", "admin@alliance.demo", "系统管理员", PUBLISHER, []),
    ("editor", "editor@cwph.demo", "王责编", PUBLISHER, []),
    ("editor", "senior@cwph.demo", "刘复审", PUBLISHER, []),
    ("editor", "chief@cwph.demo", "赵总编", PUBLISHER, []),
    ("production", "production@cwph.demo", "孙制作", PUBLISHER, []),
    ("coordinator", "coordinator@ah.demo", "陈主编", "安徽省总工会干部学校", []),
    ("author", "author@ah.demo", "张老师", "安徽省总工会干部学校", ["ch01", "ch02"]),
    ("author", "author@hb.demo", "李老师", "湖北省工会干部学校", ["ch03", "ch04"]),
    ("author", "author@hlj.demo", "周老师", "黑龙江省工会干部学院", ["ch05"]),
]


def seed(store):
    """Create whatever of the demo alliance is missing; return the logins to print."""
    orgs = {PUBLISHER: _org(PUBLISHER, OrgKind.PUBLISHER)}
    for name in SCHOOLS:
        orgs[name] = _org(name, OrgKind.SCHOOL)
    users = {}
    for role, email, name, org, _chapters in PEOPLE:
        users[email] = find_user(email, missing_ok=True) or create_user(
            email, name, orgs[org], PASSWORD, admin=(role == "admin"))
    if db.session.scalar(select(Book).filter_by(slug=BOOK_SLUG)) is None:
        _seed_book(store, orgs, users)
    seed_agreements(PUBLISHER, BOOK_SLUG)  # issue 7: the first three agreements
    return {"password": PASSWORD,
            "users": [(role, email, name, org) for role, email, name, org, _ in PEOPLE]}


def _org(name, kind):
    return db.session.scalar(select(Organization).filter_by(name=name)) or create_org(name, kind)


def _seed_book(store, orgs, users):
    meta = bookmeta.parse((CONTENT / "book.yaml").read_bytes())
    editor = users["editor@cwph.demo"]
    book = create_book(store, BOOK_SLUG, meta["title"], orgs["安徽省总工会干部学校"], editor)
    for role, email, *_rest in PEOPLE:
        if role != "admin":
            add_member(book, users[email], role)
    configure_stages(book, [(name, users[email]) for name, email in STAGES], False, editor)
    writers = {key: users[email] for _r, email, _n, _o, keys in PEOPLE for key in keys}
    for entry in meta["chapters"]:
        create_chapter(store, book, entry["id"], entry["title"], [writers[entry["id"]]], editor)
    repo = store.book(BOOK_SLUG)
    # The editor settles the book's metadata; then each author writes their chapters.
    head = repo.resolve()
    current = bookmeta.parse(repo.load("book.yaml", head))
    result = repo.save({"book.yaml": bookmeta.dump({**meta, "chapters": current["chapters"]})},
                       head, person(editor), "补充图书元数据")
    for chapter in book.chapters:
        author = writers[chapter.key]
        files = {chapter.path: (CONTENT / chapter.path).read_bytes()}
        for image in _images_of(files[chapter.path]):
            files[image] = (CONTENT / image).read_bytes()
        result = repo.save(files, result.revision, person(author), f"撰写{chapter.title}")
        record_change(chapter, result.revision, author)


def _images_of(markdown):
    text = markdown.decode("utf-8")
    return sorted(f"images/{p.name}" for p in (CONTENT / "images").glob("*")
                  if f"images/{p.name}" in text)
