"""Every web route and API endpoint, for every kind of person: the expected answer.

A refused request must change nothing in Git or the database. A route that is
not listed in CASES fails test_every_route_is_in_the_matrix: add it here with
its expected answers when you add it to the app.
"""
import hashlib

import pytest
from sqlalchemy import select, text

from alliance.books import add_member, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import ApiToken, User
from alliance.people import create_org, create_token, create_user
from alliance.store import Person

from conftest import PASSWORD

ROLES = ["anonymous", "author", "other_author", "outsider", "coordinator", "editor",
         "production", "admin"]
READERS = {r: 200 for r in ROLES[1:]} | {"outsider": 404}
# Tables whose rows change as a side effect of being asked (token use, audit) are not
# part of "what a refused write changed".
VOLATILE_TABLES = {"api_token", "audit_event", "alembic_version"}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'


def expect(anonymous, **by_role):
    """Expected status per role: ``by_role`` names exceptions to the readers' default."""
    table = dict(READERS)
    table.update(by_role)
    table["anonymous"] = anonymous
    return table


class Case:
    """One request: endpoint, method, URL (with {rev}, {head}), JSON or form body, answers."""

    def __init__(self, endpoint, method, url, expected, json=None, form=None, write=False):
        self.endpoint, self.method, self.url = endpoint, method, url
        self.expected, self.json, self.form, self.write = expected, json, form, write


WEB_READ = expect(302)
EVERYONE = {r: 200 for r in ROLES} | {"anonymous": 302}
EVERYONE_POST = {r: 302 for r in ROLES}
ADMIN_GET = {r: 403 for r in ROLES} | {"anonymous": 302, "admin": 200}
ADMIN_POST = {r: 403 for r in ROLES} | {"anonymous": 302, "admin": 302}
MEMBERS_POST = expect(302, author=403, other_author=403, coordinator=403, production=403,
                      editor=302, admin=302)
API_READ = expect(401)
API_EDITORS_WRITE = expect(401, author=403, other_author=403, coordinator=403,
                           production=403, editor=201, admin=201)
CHAPTER_WRITERS = expect(401, other_author=403, production=403)

CASES = [
    Case("auth.login", "GET", "/login", {r: 200 for r in ROLES} | {
        r: 302 for r in ROLES[1:]}),
    Case("auth.login", "POST", "/login", {r: 302 for r in ROLES} | {"anonymous": 200},
         form={"email": "nobody@x.test", "password": "wrong-password"}),
    Case("auth.logout", "POST", "/logout", {r: 302 for r in ROLES}),
    Case("auth.switch_language", "POST", "/lang", {r: 302 for r in ROLES},
         form={"lang": "en"}),
    Case("books.dashboard", "GET", "/", expect(302, outsider=200)),
    Case("books.book", "GET", "/books/labor-rights", WEB_READ),
    Case("books.chapter", "GET", "/books/labor-rights/chapters/ch01", WEB_READ),
    Case("books.image", "GET", "/books/labor-rights/files/{head}/images/fig.svg", WEB_READ),
    Case("members.index", "GET", "/books/labor-rights/members", WEB_READ),
    Case("members.add", "POST", "/books/labor-rights/members", MEMBERS_POST,
         form={"email": "target@sd.test", "role": "author"}, write=True),
    Case("members.remove", "POST", "/books/labor-rights/members/{member_id}/remove",
         MEMBERS_POST, write=True),
    Case("members.assign", "POST", "/books/labor-rights/chapters/ch01/assignees",
         expect(302, author=403, other_author=403, production=403, coordinator=302,
                editor=302, admin=302),
         form={"assignees": "{author_id}"}, write=True),
    Case("settings.index", "GET", "/settings", EVERYONE),
    Case("settings.password", "POST", "/settings/password", EVERYONE_POST,
         form={"current": PASSWORD, "new": "a-new-long-password",
               "confirm": "a-new-long-password"}),
    Case("settings.language", "POST", "/settings/language", EVERYONE_POST,
         form={"lang": "en"}),
    Case("settings.create_token", "POST", "/settings/tokens", EVERYONE_POST,
         form={"name": "laptop"}),
    Case("settings.revoke_token", "POST", "/settings/tokens/{token_id}/revoke",
         EVERYONE_POST),
    Case("admin.index", "GET", "/admin/", ADMIN_GET),
    Case("admin.orgs", "GET", "/admin/orgs", ADMIN_GET),
    Case("admin.orgs", "POST", "/admin/orgs", ADMIN_POST,
         form={"name": "新学校{role}", "kind": "school"}, write=True),
    Case("admin.users", "GET", "/admin/users", ADMIN_GET),
    Case("admin.users", "POST", "/admin/users", ADMIN_POST,
         form={"email": "new-{role}@sd.test", "name": "新人", "org": "{target_org}"},
         write=True),
    Case("admin.deactivate", "POST", "/admin/users/{target_id}/deactivate", ADMIN_POST,
         write=True),
    Case("admin.reactivate", "POST", "/admin/users/{target_id}/reactivate", ADMIN_POST,
         write=True),
    Case("admin.reset_password", "POST", "/admin/users/{target_id}/reset-password",
         ADMIN_POST, write=True),
    Case("audit.audit_log", "GET", "/admin/audit", ADMIN_GET),
    Case("audit.audit_csv", "GET", "/admin/audit.csv", ADMIN_GET),
    Case("api.list_books", "GET", "/api/v1/books", expect(401, outsider=200)),
    Case("api.create_book", "POST", "/api/v1/books",
         expect(401, author=403, other_author=403, outsider=403, coordinator=403,
                production=403, editor=201, admin=201),
         json={"slug": "new-{role}", "title": "新书", "lead_org": "安徽省总工会干部学校"},
         write=True),
    Case("api.add_member", "POST", "/api/v1/books/labor-rights/members", API_EDITORS_WRITE,
         json={"email": "outsider@sd.test", "role": "author"}, write=True),
    Case("api.list_chapters", "GET", "/api/v1/books/labor-rights/chapters", API_READ),
    Case("api.create_chapter", "POST", "/api/v1/books/labor-rights/chapters",
         API_EDITORS_WRITE, json={"id": "new-{role}", "title": "新章"}, write=True),
    Case("api.get_chapter", "GET", "/api/v1/books/labor-rights/chapters/ch01", API_READ),
    Case("api.save_chapter", "PUT", "/api/v1/books/labor-rights/chapters/ch01",
         CHAPTER_WRITERS, json={"content": "# 第一章\n\n{role}改写。\n",
                                "base_revision": "{head}"}, write=True),
    Case("api.chapter_history", "GET", "/api/v1/books/labor-rights/chapters/ch01/history",
         API_READ),
    Case("api.chapter_diff", "GET",
         "/api/v1/books/labor-rights/chapters/ch01/diff?from={first}&to={head}", API_READ),
]


@pytest.fixture
def people(world, app):
    """The world plus production, admin and an outsider (a school with no role on the book)."""
    with app.app_context():
        pub = db.session.scalar(select(User).filter_by(email=world.emails["editor"])).org
        school = create_org("山东管理学院", "school")
        production = create_user("prod@cwph.test", "孙制作", pub, PASSWORD)
        admin = create_user("admin@cwph.test", "管理员", pub, PASSWORD, admin=True)
        outsider = create_user("outsider@sd.test", "赵老师", school, PASSWORD)
        target = create_user("target@sd.test", "钱老师", school, PASSWORD)
        book = find_book("labor-rights")
        add_member(book, production, "production")
        # Two roles of the target, so that the editor and then the admin each remove one.
        world.member_ids = {"admin": add_member(book, target, "coordinator").id}
        world.member_ids["editor"] = add_member(book, target, "production").id
        world.values = {"target_id": target.id, "target_org": school.id,
                        "author_id": db.session.scalar(
                            select(User.id).filter_by(email=world.emails["author"]))}
        repo = manuscript_store().book("labor-rights")
        world.first = repo.head()
        repo.save({"images/fig.svg": SVG}, world.first, Person("张老师", "a@b.test"), "图")
        for user in (production, admin, outsider):
            world.tokens[user.email] = create_token(user)
        world.emails.update(production=production.email, admin=admin.email,
                            outsider=outsider.email)
        db.session.commit()
    return world


def snapshot(app):
    """A digest of every durable row and every ref of every book."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in sorted(db.metadata.tables):
            if table not in VOLATILE_TABLES:
                rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
                digest.update(repr(sorted(map(repr, rows))).encode())
        store = manuscript_store()
        for slug in store.slugs():
            digest.update(f"{slug}:{store.book(slug).head()}".encode())
    return digest.hexdigest()


def request_as(app, people, case, role):
    client = app.test_client()
    headers, token_id = {}, 0
    if role != "anonymous":
        with app.app_context():
            user = db.session.scalar(select(User).filter_by(email=people.emails[role]))
            user_id = user.id
            token_id = db.session.scalar(select(ApiToken.id).filter_by(user_id=user_id))
        if case.endpoint.startswith("api."):
            headers["Authorization"] = f"Bearer {people.tokens[people.emails[role]]}"
        else:
            with client.session_transaction() as session:
                session["_user_id"] = str(user_id)
                session["_fresh"] = True
    with app.app_context():
        head = manuscript_store().book("labor-rights").head()

    def fill(value):
        if isinstance(value, str):
            return value.format(role=role, head=head, first=people.first, token_id=token_id,
                                member_id=people.member_ids.get(role, 0), **people.values)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return client.open(fill(case.url), method=case.method, headers=headers,
                       json=fill(case.json), data=fill(case.form))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_route_answers_each_role_as_expected(app, people, case):
    for role in ROLES:
        before = snapshot(app) if case.write else None
        answer = request_as(app, people, case, role)
        assert answer.status_code == case.expected[role], (role, answer.get_data(as_text=True)[:300])
        refused = answer.status_code >= 400 or role == "anonymous"
        if case.write and refused:
            assert snapshot(app) == before, f"refused {role} changed something"


def test_every_route_is_in_the_matrix(app):
    listed = {(c.endpoint, c.method) for c in CASES}
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"} if rule.endpoint != "static"}
    assert routes - listed == set(), "add these routes to CASES in test_permission_matrix.py"
