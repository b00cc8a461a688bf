"""Every web route and API endpoint, for every kind of person: the expected answer.

A refused request must change nothing in Git or the database. A route that is
listed in no tests/matrix_cases_*.py module fails test_every_route_is_in_the_matrix:
add it there with its expected answers when you add it to the app.
"""
import base64
import hashlib
import importlib
import pathlib

import pytest
from sqlalchemy import select, text

from alliance import create_app
from alliance.manuscripts.books import add_member, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import ApiToken, User
from alliance.people.accounts import create_org, create_token, create_user
from alliance.store import Person

import fast_setup
from conftest import PASSWORD, build_world
from matrix import ROLES, SVG, VOLATILE_TABLES

MODULES = [importlib.import_module(p.stem) for p in
           sorted(pathlib.Path(__file__).parent.glob("matrix_cases_*.py"))]
CASES = [case for module in MODULES for case in module.CASES]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, postgres):
    """The people and their world, built once for the module: (world, snapshot of the home)."""
    home = tmp_path_factory.mktemp("matrix-world")
    config = {"TESTING": True, "ALLIANCE_HOME": str(home), "WTF_CSRF_ENABLED": False}
    if postgres is not None:
        config["DATABASE_URL"] = postgres.schema()
    app = create_app(config)
    if postgres is None and not fast_setup.sqlite_schema_copy(app, db):
        with app.app_context():
            db.create_all()
    world = add_people(build_world(app), app)
    snapshot = fast_setup.HomeSnapshot.take(app, db, str(tmp_path_factory.mktemp("matrix-db")))
    yield world, snapshot
    if postgres is not None:
        postgres.drop(config["DATABASE_URL"])


@pytest.fixture
def people(app, prepared):
    """The world plus production, admin and an outsider, laid into this test's app."""
    world, snapshot = prepared
    snapshot.restore(app, db)
    return world


def add_people(world, app):
    """Add production, admin and an outsider (a school with no role on the book) to the world."""
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
        for module in MODULES:
            if hasattr(module, "prepare"):
                world.values.update(module.prepare(app, world))
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
        if case.auth == "basic":
            basic = f"{people.emails[role]}:{people.tokens[people.emails[role]]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(basic).decode()
        elif case.endpoint.startswith("api."):
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
        if case.answer is not None and answer.status_code == 200:
            assert answer.json == case.answer, role
        refused = answer.status_code >= 400 or role == "anonymous"
        if case.write and refused:
            assert snapshot(app) == before, f"refused {role} changed something"


def test_every_route_is_in_the_matrix(app):
    listed = {(c.endpoint, c.method) for c in CASES}
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"} if rule.endpoint != "static"}
    assert routes - listed == set(), "add these routes to CASES in test_permission_matrix.py"
