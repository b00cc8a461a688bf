"""A seeded Alliance home served by real gunicorn: shared by the fault test and the load bench.

No pytest here, so tests/bench scripts can import it too.
"""
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import requests

from alliance import create_app
from alliance.manuscripts.books import add_member, create_book, create_chapter
from alliance.config import PROJECT_ROOT
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import create_org, create_token, create_user

BIN = os.path.dirname(sys.executable)
PASSWORD = "served-home-password"


@dataclass
class Seeded:
    """What seed() made: the book slugs, each book's chapter keys, and one author per chapter."""

    home: str
    database_url: str | None
    chapters: list = field(default_factory=list)  # [(slug, key, author email, token)]
    editor_email: str = "ed@served.test"

    def env(self, **extra):
        """The environment an `alliance` or gunicorn process of this home runs with."""
        env = {**os.environ, "ALLIANCE_HOME": self.home, **extra}
        env.pop("ALLIANCE_DATABASE_URL", None)
        if self.database_url:
            env["ALLIANCE_DATABASE_URL"] = self.database_url
        return env


def seed(home, books=1, chapters_per_book=4, database_url=None):
    """Create a home (schema, a school, an editor, books) whose every chapter has its own author."""
    config = {"ALLIANCE_HOME": home}
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    seeded = Seeded(home, database_url)
    with app.app_context():
        db.create_all()
        school = create_org("安徽省总工会干部学校", "school")
        publisher = create_org("中国工人出版社", "publisher")
        editor = create_user(seeded.editor_email, "编辑", publisher, PASSWORD)
        for b in range(books):
            slug = f"book{b}"
            book = create_book(manuscript_store(), slug, f"压力测试{b}", school, editor)
            add_member(book, editor, "editor")
            for c in range(chapters_per_book):
                author = create_user(f"a{b}-{c}@served.test", f"作者{b}-{c}", school, PASSWORD)
                add_member(book, author, "author")
                key = f"ch{c:02d}"
                text = f"# 第{c + 1}章\n\n" + "".join(
                    f"第{p}段：新就业形态劳动者权益保障。\n\n" for p in range(30))
                create_chapter(manuscript_store(), book, key, f"第{c + 1}章", [author], editor,
                               text.encode())
                seeded.chapters.append((slug, key, author.email, create_token(author)))
        db.session.commit()
        db.engine.dispose()
    return seeded


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` for a home, restartable after a SIGKILL."""

    def __init__(self, seeded, port, workers=2, threads=None, log=None):
        self.seeded, self.port, self.log = seeded, port, log
        self.args = [os.path.join(BIN, "gunicorn"), "-c", "gunicorn.conf.py",
                     "--workers", str(workers)]
        if threads is not None:
            self.args += ["--threads", str(threads)]
        self.args.append("wsgi:app")
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait=60):
        """Start gunicorn and return once it answers /health."""
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.args, cwd=PROJECT_ROOT, stdout=out, stderr=out,
                                     env=self.seeded.env(ALLIANCE_BIND=f"127.0.0.1:{self.port}"))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("gunicorn did not answer /health")

    def workers(self):
        """The pids of the master's current worker processes."""
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as handle:
                return [int(p) for p in handle.read().split()]
        except FileNotFoundError:
            return []

    def stop(self):
        """Stop gracefully (SIGTERM), or kill what is left after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.workers()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            kill(self.proc.pid)
            self.proc.wait(10)
        for pid in workers:
            kill(pid)


def kill(pid):
    """SIGKILL one process; it being gone already is fine."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def alive(pid):
    """True while ``pid`` is a running (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def web_session(base_url, email, password=PASSWORD):
    """A requests session logged in through the login form (with its CSRF token)."""
    session = requests.Session()
    page = session.get(base_url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    answer = session.post(base_url + "/login", timeout=30, allow_redirects=False, data={
        "email": email, "password": password, "csrf_token": token.group(1)})
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email} failed: {answer.status_code}")
    return session


def git_lines(git_dir, *args, input=None):
    """Run git in a bare repository and return its stdout lines."""
    out = subprocess.run(["git", "--git-dir", git_dir, *args], input=input, check=True,
                         capture_output=True).stdout
    return out.decode("utf-8").splitlines()


def lost_saves(home, answered):
    """Return the answered saves Git does not have: [(slug, key, content, revision)].

    A save is kept when its revision is on main and the chapter's file at that
    revision holds exactly the text that was saved.
    """
    lost, by_book = [], {}
    for save in answered:
        by_book.setdefault(save[0], []).append(save)
    for slug, saves in by_book.items():
        git_dir = os.path.join(home, "manuscripts", f"{slug}.git")
        on_main = set(git_lines(git_dir, "rev-list", "main"))
        queries = "".join(f"{rev}:chapters/{key}.md\n" for _s, key, _c, rev in saves)
        raw = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                             input=queries.encode(), check=True, capture_output=True).stdout
        for save in saves:
            header, raw = raw.split(b"\n", 1)
            parts = header.split()
            body = b""
            if len(parts) == 3:
                size = int(parts[2])
                body, raw = raw[:size], raw[size + 1:]
            if save[3] not in on_main or body.decode("utf-8", "replace") != save[2]:
                lost.append(save)
    return lost
