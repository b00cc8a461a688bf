"""Shared parts of the permission matrix: the roles, expected answers, and Case.

Each area lists its routes in a tests/matrix_cases_<area>.py module holding
``CASES``; test_permission_matrix.py walks them all and fails for any route of
the app that no module lists. A module may also define ``prepare(app, world)``
returning extra URL placeholders (ids of objects it creates).
"""
from conftest import PASSWORD  # noqa: F401  (re-exported for case modules)

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

    def __init__(self, endpoint, method, url, expected, json=None, form=None, write=False,
                 auth=None, answer=None):
        self.endpoint, self.method, self.url = endpoint, method, url
        self.expected, self.json, self.form, self.write = expected, json, form, write
        # auth="basic": e-mail and API token as HTTP Basic (Git over HTTP), no session.
        self.auth = auth
        # answer: JSON every 200 answer must be exactly, whoever asks (so it shows nothing
        # that depends on the person).
        self.answer = answer

    def __repr__(self):
        return f"{self.method} {self.endpoint}"


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

