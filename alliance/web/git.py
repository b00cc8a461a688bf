"""Git over HTTP: clone, fetch and push of a book at /git/<slug>.git.

The app authenticates (HTTP Basic: e-mail and API token) and authorizes, then
git's own ``git http-backend`` speaks the protocol as a CGI program. What a
push may change is decided by the pre-receive hook (alliance.ops.githooks), which
asks permissions.py like the pages do; the app tells it who is pushing.
"""
import base64
import logging
import os
import re
import shutil
import subprocess
import tempfile

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _

from ..manuscripts import books as svc
from ..errors import NotFound
from ..extensions import csrf, db, limiter, manuscript_store
from ..people.accounts import user_for_token
from ..people.permissions import can_push_book
from ..store import install_hooks

bp = Blueprint("git", __name__, url_prefix="/git")
log = logging.getLogger(__name__)

SERVICES = ("git-upload-pack", "git-receive-pack")
REALM = 'Basic realm="Alliance"'
# The protocol version the client asks for (Git-Protocol header), passed on only if well-formed.
_GIT_PROTOCOL = re.compile(r"version=[0-9]+(:[A-Za-z0-9=._-]+)*")
CHUNK = 64 * 1024


def _refused_credentials(response):
    # Only wrong credentials count: git always asks once without them first.
    return response.status_code == 401 and "Authorization" in request.headers


# Same guard as the API: past 60 wrong credentials a minute, an address waits.
limiter.limit("60 per minute", deduct_when=_refused_credentials)(bp)
csrf.exempt(bp)  # no cookies are accepted here, so there is nothing to forge


def _plain(status, text, **headers):
    return Response(text + "\n", status=status, mimetype="text/plain", headers=headers)


def _basic_user():
    """Return the active user whose e-mail and unrevoked token came as HTTP Basic, or None."""
    scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        email, _colon, token = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    user = user_for_token(token)
    if user is None or user.email.lower() != email.strip().lower():
        return None
    return user


def _authorize(slug, service):
    """Return the user allowed ``service`` on the book, or an error response to send instead."""
    user = _basic_user()
    if user is None:
        db.session.rollback()
        return None, _plain(401, _("Sign in with your e-mail and an API token "
                                   "(make one in Settings) as the password."),
                            **{"WWW-Authenticate": REALM})
    try:
        book = svc.readable_book(user, slug)
    except NotFound:
        db.session.rollback()
        return None, _plain(404, _("There is nothing at this address."))
    if service == "git-receive-pack" and not can_push_book(user, book):
        db.session.rollback()
        return None, _plain(403, _("You may read this book but not push to it: "
                                   "no chapter of it is yours to edit."))
    return user, None


@bp.get("/<slug>.git/info/refs")
def info_refs(slug):
    """The ref advertisement that starts every clone, fetch and push."""
    service = request.args.get("service")
    if service in SERVICES:
        return _serve(slug, service, f"/{slug}.git/info/refs")
    _user, refusal = _authorize(slug, "git-upload-pack")
    # The old "dumb" protocol would serve raw repository files: not offered.
    return refusal or _plain(403, _("Please use a Git client of version 1.6.6 or later."))


@bp.post("/<slug>.git/git-upload-pack")
def upload_pack(slug):
    """Send the objects a clone or fetch asks for."""
    return _serve(slug, "git-upload-pack", f"/{slug}.git/git-upload-pack")


@bp.post("/<slug>.git/git-receive-pack")
def receive_pack(slug):
    """Receive a push; the pre-receive hook accepts or refuses it."""
    return _serve(slug, "git-receive-pack", f"/{slug}.git/git-receive-pack")


def _serve(slug, service, path_info):
    user, refusal = _authorize(slug, service)
    if refusal is not None:
        return refusal
    env = _cgi_env(user, slug, path_info)
    install_hooks(manuscript_store().path_of(slug))  # books made before hooks existed
    # The hooks write to the database from their own process: leave nothing open here
    # (the token's last use is saved now) so they never wait on this request's lock.
    db.session.commit()
    db.session.close()
    return _run_backend(env)


def _cgi_env(user, slug, path_info):
    """Return the CGI environment for http-backend and, through it, for the hooks."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "HTTP_", "ALLIANCE_PUSHER", "ALLIANCE_BOOK"))}
    config = current_app.config
    env.update({
        "GIT_PROJECT_ROOT": config["MANUSCRIPTS"],
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH_INFO": path_info,
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        "REMOTE_USER": user.email,
        "REMOTE_ADDR": request.remote_addr or "",
        # The hooks rebuild this app: same home, database and store, and the pusher.
        "ALLIANCE_HOME": config["ALLIANCE_HOME"],
        "ALLIANCE_DATABASE_URL": config["DATABASE_URL"],
        "ALLIANCE_MANUSCRIPTS": config["MANUSCRIPTS"],
        "ALLIANCE_EXPORTS": config["EXPORTS"],
        "ALLIANCE_PUSHER": str(user.id),
        "ALLIANCE_BOOK": slug,
    })
    encoding = request.headers.get("Content-Encoding", "")
    if encoding:
        env["HTTP_CONTENT_ENCODING"] = encoding  # http-backend inflates gzip bodies itself
    protocol = request.headers.get("Git-Protocol", "")
    if _GIT_PROTOCOL.fullmatch(protocol):
        env["GIT_PROTOCOL"] = protocol
    return env


def _spool_body():
    """Return the request body in a file (and its size): git may send it chunked, and
    http-backend wants its length or a real end of input."""
    body = tempfile.TemporaryFile()
    shutil.copyfileobj(request.stream, body, CHUNK)
    size = body.tell()
    body.seek(0)
    return body, size


def _run_backend(env):
    """Run ``git http-backend`` with the body on stdin; stream its answer back."""
    body, size = _spool_body()
    if request.method == "POST":
        env["CONTENT_LENGTH"] = str(size)
    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen(["git", "http-backend"], stdin=body, stdout=subprocess.PIPE,
                            stderr=stderr, env=env, cwd=env["GIT_PROJECT_ROOT"])
    body.close()
    status, headers = _read_cgi_headers(proc.stdout)
    if not headers:
        proc.kill()
        proc.wait()
        stderr.close()
        abort(502)  # http-backend died before answering

    def stream():
        while chunk := proc.stdout.read1(CHUNK):
            yield chunk

    def finish():
        # Runs when the answer is sent, or abandoned (a client hanging up, a HEAD request).
        if proc.returncode is not None:
            return
        proc.stdout.close()
        code = proc.wait()
        stderr.seek(0)
        problem = stderr.read().decode("utf-8", "replace").strip()
        stderr.close()
        if code or problem:
            log.warning("git http-backend exited %s: %s", code, problem[:2000])

    response = Response(stream(), status=status, headers=headers, direct_passthrough=True)
    response.call_on_close(finish)
    return response


def _read_cgi_headers(stdout):
    """Return (status, headers) from the CGI header block at the start of ``stdout``."""
    status, headers = 200, []
    while True:
        line = stdout.readline()
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _sep, value = line.decode("latin-1").partition(":")
        name, value = name.strip(), value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers.append((name, value))
    return status, headers
