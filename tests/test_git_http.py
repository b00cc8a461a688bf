"""Git over HTTP with the real git client against `alliance serve`: clone, push, the push gate.

One server serves the whole module (starting one costs seconds); each test clones
afresh and works on its own chapter, so the order of the tests does not matter
except for the last, which checks that after all of it the repository is sound.
"""
import os
import re
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
import requests
import yaml
from sqlalchemy import select, update

from alliance import create_app
from alliance.manuscripts.books import add_member, create_book, create_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import Chapter, ChapterState
from alliance.people.accounts import create_org, create_token, create_user, find_user, revoke_token

from conftest import PASSWORD
from helpers import free_port

CHAPTERS = {"ch01": "author", "ch02": "other", "ch03": "author", "ch04": "author",
            "ch05": "author", "ch06": "author"}


class Site:
    """The served home: its URL, people's e-mails and tokens, and a place for clones."""

    def __init__(self, home, port, tmp):
        self.home, self.port, self.tmp = home, port, tmp
        self.base = f"http://127.0.0.1:{port}"
        self.emails, self.tokens = {}, {}
        self.git_dir = os.path.join(home, "manuscripts", "labor-rights.git")
        self.clones = 0

    def url(self, role=None, token=None, email=None):
        if role is None:
            return f"{self.base}/git/labor-rights.git"
        email = quote(email or self.emails[role], safe="")
        return f"http://{email}:{token or self.tokens[role]}@127.0.0.1:{self.port}" \
               "/git/labor-rights.git"

    def api(self, role, path, method="GET", **kwargs):
        return requests.request(method, f"{self.base}/api/v1/books/labor-rights{path}",
                                headers={"Authorization": f"Bearer {self.tokens[role]}"},
                                timeout=30, **kwargs)

    def head(self):
        return git("rev-parse", "main", cwd=self.git_dir).stdout.strip()

    def clone(self, role):
        self.clones += 1
        where = os.path.join(self.tmp, f"clone{self.clones}-{role}")
        git("clone", "-q", self.url(role), where)
        git("config", "user.name", f"{role} 本人", cwd=where)
        git("config", "user.email", self.emails[role], cwd=where)
        return where

    def app(self):
        return create_app({"ALLIANCE_HOME": self.home})


def git(*args, cwd=None, check=True):
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C.UTF-8"}
    for name in [k for k in env if k.startswith("GIT_DIR") or k.startswith("ALLIANCE_")]:
        del env[name]
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc


def edit(clone, path, text, message="改写", mode="a"):
    with open(os.path.join(clone, path), mode, encoding="utf-8") as handle:
        handle.write(text)
    git("commit", "-q", "-am", message, cwd=clone)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = str(tmp_path_factory.mktemp("home"))
    port = free_port()
    site = Site(home, port, str(tmp_path_factory.mktemp("clones")))
    app = site.app()
    with app.app_context():
        db.create_all()
        pub = create_org("中国工人出版社", "publisher")
        anhui = create_org("安徽省总工会干部学校", "school")
        hubei = create_org("湖北省工会干部学校", "school")
        shandong = create_org("山东管理学院", "school")
        people = {
            "editor": create_user("editor@cwph.test", "王编辑", pub, PASSWORD),
            "author": create_user("author@ah.test", "张老师", anhui, PASSWORD),
            "other": create_user("author@hb.test", "李老师", hubei, PASSWORD),
            "outsider": create_user("outsider@sd.test", "赵老师", shandong, PASSWORD),
            "production": create_user("prod@cwph.test", "孙制作", pub, PASSWORD),
        }
        people["editor"].locale = "en"  # refusals speak the pusher's language
        book = create_book(manuscript_store(), "labor-rights", "新就业形态劳动者权益保障", anhui,
                           people["editor"])
        for role, book_role in (("editor", "editor"), ("author", "author"),
                                ("other", "author"), ("production", "production")):
            add_member(book, people[role], book_role)
        for key, role in CHAPTERS.items():
            create_chapter(manuscript_store(), book, key, f"第{key[-1]}章", [people[role]],
                           people["editor"], f"# 第{key[-1]}章\n\n初稿。\n".encode())
        for role, user in people.items():
            site.emails[role] = user.email
            site.tokens[role] = create_token(user)
        db.session.commit()
        db.engine.dispose()
    env = {**os.environ, "ALLIANCE_HOME": home}
    server = subprocess.Popen([sys.executable, "-m", "alliance.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            requests.get(site.base + "/login", timeout=1)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.1)
    yield site
    server.terminate()
    server.wait(timeout=10)


def login(site, role):
    session = requests.Session()
    page = session.get(site.base + "/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    session.post(site.base + "/login", data={"email": site.emails[role], "password": PASSWORD,
                                             "csrf_token": csrf}, timeout=10)
    return session


def test_author_clones_and_pushes_own_chapter_into_history_and_page(site):
    clone = site.clone("author")
    with open(os.path.join(clone, "chapters/ch01.md"), encoding="utf-8") as handle:
        assert handle.read().startswith("# 第1章")
    edit(clone, "chapters/ch01.md", "\n劳动者的休息权由推送写入。\n", "补充休息权")
    pushed = git("rev-parse", "HEAD", cwd=clone).stdout.strip()
    git("push", "-q", "origin", "main", cwd=clone)
    assert site.head() == pushed
    history = site.api("author", "/chapters/ch01/history").json()
    assert history[0]["revision"] == pushed
    assert (history[0]["author"], history[0]["message"]) == ("author 本人", "补充休息权")
    chapter = site.api("author", "/chapters/ch01").json()
    assert chapter["revision"] == pushed and "由推送写入" in chapter["content"]
    page = login(site, "author").get(site.base + "/books/labor-rights/chapters/ch01").text
    assert "劳动者的休息权由推送写入。" in page and pushed[:10] in page
    book_page = login(site, "author").get(site.base + "/books/labor-rights").text
    assert f"{site.base}/git/labor-rights.git" in book_page and "/settings" in book_page


def test_large_push_and_gzipped_fetch_go_through(site):
    clone = site.clone("author")
    # Over git's 1 MiB post buffer: the push is sent chunked.
    edit(clone, "chapters/ch04.md", "".join(f"第{i}段：长文。\n" for i in range(90000)), "长章")
    git("push", "-q", "origin", "main", cwd=clone)
    for n in range(40):  # many local commits: the fetch's "have" list is sent gzipped
        edit(clone, "chapters/ch04.md", f"本地{n}。\n", f"本地{n}")
    site.api("author", "/chapters/ch01", "PUT", json={
        "content": "# 第1章\n\n网页保存。\n", "base_revision": site.head()})
    git("fetch", "-q", cwd=clone)
    assert git("rev-parse", "origin/main", cwd=clone).stdout.strip() == site.head()


def test_push_touching_another_schools_chapter_is_refused_naming_the_file(site):
    clone = site.clone("author")
    before = site.head()
    edit(clone, "chapters/ch01.md", "我的修改。\n")
    edit(clone, "chapters/ch02.md", "改别人的章。\n")
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0
    assert "remote: chapters/ch02.md: 您无权修改这一章。" in answer.stderr
    assert "chapters/ch01.md" not in answer.stderr
    assert site.head() == before


def test_push_to_an_approved_chapter_is_refused(site):
    app = site.app()
    with app.app_context():
        db.session.execute(update(Chapter).filter_by(key="ch03")
                           .values(state=ChapterState.APPROVED))
        db.session.commit()
        db.engine.dispose()
    clone = site.clone("author")
    before = site.head()
    edit(clone, "chapters/ch03.md", "审定后又改。\n")
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0
    assert "chapters/ch03.md: 本章已通过审核并锁定" in answer.stderr
    assert site.head() == before


def test_force_push_branch_deletion_other_branches_and_tags_are_refused(site):
    clone = site.clone("author")
    edit(clone, "chapters/ch05.md", "第一稿。\n")
    git("push", "-q", "origin", "main", cwd=clone)
    landed = site.head()
    git("reset", "-q", "--hard", "HEAD~1", cwd=clone)
    edit(clone, "chapters/ch05.md", "改写历史。\n")
    forced = git("push", "--force", "origin", "main", cwd=clone, check=False)
    assert forced.returncode != 0 and "强制推送" in forced.stderr
    deleted = git("push", "origin", ":main", cwd=clone, check=False)
    assert deleted.returncode != 0 and "refs/heads/main：主分支不能删除。" in deleted.stderr
    branch = git("push", "origin", "main:drafts", cwd=clone, check=False)
    assert branch.returncode != 0 and "refs/heads/drafts：只能推送主分支" in branch.stderr
    git("tag", "v1", cwd=clone)
    tag = git("push", "origin", "v1", cwd=clone, check=False)
    assert tag.returncode != 0 and "refs/tags/v1" in tag.stderr
    assert site.head() == landed
    refs = git("for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags",
               cwd=site.git_dir).stdout.split()
    assert refs == ["refs/heads/main"]


def test_editor_gets_english_refusals_and_adds_a_listed_chapter(site):
    clone = site.clone("editor")
    os.remove(os.path.join(clone, "chapters/ch06.md"))
    git("commit", "-q", "-am", "删除第六章", cwd=clone)
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert "chapters/ch06.md: this file cannot be deleted by a push." in answer.stderr
    git("reset", "-q", "--hard", "origin/main", cwd=clone)
    with open(os.path.join(clone, "chapters/ch09.md"), "w", encoding="utf-8") as handle:
        handle.write("# 第九章\n")
    git("add", ".", cwd=clone)
    git("commit", "-q", "-m", "新章", cwd=clone)
    unlisted = git("push", "origin", "main", cwd=clone, check=False)
    assert "chapters/ch09.md: a new chapter must be listed in book.yaml" in unlisted.stderr
    meta = yaml.safe_load(open(os.path.join(clone, "book.yaml"), encoding="utf-8"))
    meta["chapters"].append({"id": "ch09", "title": "第九章　新业态", "file": "chapters/ch09.md"})
    with open(os.path.join(clone, "book.yaml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(meta, handle, allow_unicode=True)
    git("commit", "-q", "-am", "列入新章", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    listed = {c["id"]: c for c in site.api("editor", "/chapters").json()}
    assert listed["ch09"]["title"] == "第九章　新业态"
    added = git("log", "-1", "--format=%H", "--", "chapters/ch09.md", cwd=clone).stdout.strip()
    assert listed["ch09"]["revision"] == added


def test_author_may_not_push_images_or_book_yaml(site):
    clone = site.clone("author")
    edit(clone, "book.yaml", "isbn: '978'\n")
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0 and "book.yaml: 只有本书的编辑可以修改这个文件" in answer.stderr
    git("reset", "-q", "--hard", "origin/main", cwd=clone)
    with open(os.path.join(clone, "README.md"), "w") as handle:
        handle.write("x\n")
    git("add", ".", cwd=clone)
    git("commit", "-q", "-m", "readme", cwd=clone)
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0 and "README.md: 这不是书稿中的文件" in answer.stderr


def test_missing_wrong_or_revoked_credentials_are_refused(site):
    target = os.path.join(site.tmp, "anonymous")
    answer = git("clone", site.url(), target, check=False)
    assert answer.returncode != 0 and not os.path.exists(target)
    answer = git("clone", site.url("author", token="alc_not-a-token"), target, check=False)
    assert answer.returncode != 0 and "Authentication failed" in answer.stderr
    # Someone else's e-mail with the author's token is not the author.
    answer = git("clone", site.url("author", email=site.emails["other"]), target, check=False)
    assert answer.returncode != 0 and "Authentication failed" in answer.stderr
    anon = requests.get(site.url() + "/info/refs?service=git-upload-pack", timeout=10)
    assert anon.status_code == 401
    assert anon.headers["WWW-Authenticate"] == 'Basic realm="Alliance"'
    # A session cookie is no way in.
    cookie = login(site, "author").get(site.url() + "/info/refs?service=git-upload-pack")
    assert cookie.status_code == 401

    clone = site.clone("author")
    app = site.app()
    with app.app_context():
        user = find_user(site.emails["author"])
        token = create_token(user, "laptop")
        db.session.commit()
    git("remote", "set-url", "origin", site.url("author", token=token), cwd=clone)
    edit(clone, "chapters/ch01.md", "吊销前写的。\n")
    with app.app_context():
        from alliance.models import ApiToken
        revoke_token(find_user(site.emails["author"]),
                     db.session.scalar(select(ApiToken.id).filter_by(name="laptop")))
        db.session.commit()
        db.engine.dispose()
    before = site.head()
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0 and "Authentication failed" in answer.stderr
    assert site.head() == before


def test_a_user_who_may_not_read_the_book_cannot_clone_or_learn_it_exists(site):
    target = os.path.join(site.tmp, "outsider")
    answer = git("clone", site.url("outsider"), target, check=False)
    assert answer.returncode != 0 and "not found" in answer.stderr
    auth = (site.emails["outsider"], site.tokens["outsider"])
    for slug in ("labor-rights", "no-such-book"):
        refs = requests.get(f"{site.base}/git/{slug}.git/info/refs?service=git-upload-pack",
                            auth=auth, timeout=10)
        assert refs.status_code == 404
    # Production may read (clone) but has no chapter to push to.
    clone = site.clone("production")
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0 and "403" in answer.stderr


def test_web_save_and_push_racing_one_lands_the_other_is_told_to_merge(site):
    for round_ in range(3):
        clone = site.clone("author")
        base = site.head()
        web_text = f"# 第1章\n\n网页版第{round_}稿。\n"
        # Both rewrite the whole chapter: whichever lands second cannot merge cleanly.
        edit(clone, "chapters/ch01.md", f"# 第1章\n\n推送版第{round_}稿。\n", mode="w")
        mine = git("rev-parse", "HEAD", cwd=clone).stdout.strip()
        results = {}
        start = threading.Barrier(2)

        def save():
            start.wait()
            results["web"] = site.api("author", "/chapters/ch01", "PUT", json={
                "content": web_text, "base_revision": base})

        def push():
            start.wait()
            results["push"] = git("push", "origin", "main", cwd=clone, check=False)

        threads = [threading.Thread(target=save), threading.Thread(target=push)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        web, pushed = results["web"], results["push"]
        final = site.api("author", "/chapters/ch01").json()["content"]
        if pushed.returncode == 0:
            assert web.status_code == 409 and web.json()["mine"] == web_text
            assert f"推送版第{round_}稿。" in final
        else:
            assert web.status_code == 200, web.text
            assert re.search(r"fetch first|failed to update ref|cannot lock ref", pushed.stderr)
            assert final == web_text
            # The pushed commit is still in the author's clone, ready to merge.
            assert git("cat-file", "-t", mine, cwd=clone).stdout.strip() == "commit"


def test_pushes_made_outside_the_app_are_refused(site, tmp_path):
    clone = os.path.join(str(tmp_path), "local")
    git("clone", "-q", site.git_dir, clone)
    git("-c", "user.name=x", "-c", "user.email=x@x.test", "commit", "-q", "--allow-empty",
        "-m", "local", cwd=clone)
    answer = git("push", "origin", "main", cwd=clone, check=False)
    assert answer.returncode != 0 and "push through the app" in answer.stderr


def test_a_chapter_approved_through_three_stages_refuses_pushes_until_reopened(site):
    """三审 through the API pins and locks ch06; a push is refused; after reopen it lands."""
    app = site.app()
    with app.app_context():
        from alliance.manuscripts.books import find_book
        from alliance.review.workflow import configure_stages
        book = find_book("labor-rights")
        editor = find_user(site.emails["editor"])
        # A small press: one editor passes all three stages.
        configure_stages(book, [("初审", editor), ("复审", editor), ("终审", editor)],
                         True, editor)
        db.session.commit()
        db.engine.dispose()
    review = "/chapters/ch06/review"
    assert site.api("author", review, "POST", json={"action": "submit"}).status_code == 200
    for _stage in range(3):
        answer = site.api("editor", review, "POST", json={"action": "approve", "comment": "同意"})
        assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "approved"
    pinned = git("rev-parse", "refs/approved/ch06", cwd=site.git_dir).stdout.strip()
    assert pinned == site.head() or git("merge-base", "--is-ancestor", pinned, site.head(),
                                        cwd=site.git_dir).returncode == 0
    clone = site.clone("author")
    before = site.head()
    edit(clone, "chapters/ch06.md", "终审后又改。\n")
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and "chapters/ch06.md" in refused.stderr
    assert site.head() == before
    assert site.api("editor", review, "POST", json={"action": "reopen"}).status_code == 200
    git("push", "origin", "main", cwd=clone)
    content = site.api("author", "/chapters/ch06").json()["content"]
    assert content.endswith("终审后又改。\n")


def test_pushes_during_review_are_refused_and_the_pin_is_the_revision_every_stage_passed(site):
    """Issue 16: after 初审 and 复审 passed, neither the author nor an editor can push new text
    into ch05; 终审 passes the submitted revision, and that is what refs/approved/ch05 holds."""
    app = site.app()
    with app.app_context():
        from alliance.manuscripts.books import find_book
        from alliance.review.workflow import configure_stages
        editor = find_user(site.emails["editor"])
        configure_stages(find_book("labor-rights"), [("初审", editor), ("复审", editor),
                                                      ("终审", editor)], True, editor)
        db.session.commit()
        db.engine.dispose()
    review = "/chapters/ch05/review"
    assert site.api("author", review, "POST", json={"action": "submit"}).status_code == 200
    submitted = site.api("author", "/chapters/ch05").json()["revision"]
    for _stage in range(2):
        answer = site.api("editor", review, "POST",
                          json={"action": "approve", "revision": submitted})
        assert answer.status_code == 200, answer.text
    for role in ("author", "editor"):
        clone = site.clone(role)
        before = site.head()
        edit(clone, "chapters/ch05.md", f"{role} 在审稿期间又改。\n")
        refused = git("push", "origin", "main", cwd=clone, check=False)
        assert refused.returncode != 0 and "chapters/ch05.md" in refused.stderr
        assert "review" in refused.stderr or "审稿" in refused.stderr
        assert site.head() == before
    final = site.api("editor", review, "POST", json={"action": "approve", "revision": submitted})
    assert final.status_code == 200 and final.json()["state"] == "approved"
    pinned = git("rev-parse", "refs/approved/ch05", cwd=site.git_dir).stdout.strip()
    assert pinned == submitted == final.json()["approved_revision"]
    content = git("show", f"{pinned}:chapters/ch05.md", cwd=site.git_dir).stdout
    assert "审稿期间又改" not in content


SCRIPTED_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
                'onload="alert(1)"><script>alert(2)</script><rect width="5" height="5"/></svg>')
CLEAN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'


def _add_file(clone, path, text, message):
    os.makedirs(os.path.dirname(os.path.join(clone, path)), exist_ok=True)
    with open(os.path.join(clone, path), "w", encoding="utf-8") as handle:
        handle.write(text)
    git("add", ".", cwd=clone)
    git("commit", "-q", "-m", message, cwd=clone)


def test_commits_in_another_persons_name_are_refused(site):
    """Issue 16: an author cannot push a commit that says 李老师 (or anyone else) wrote it."""
    clone = site.clone("author")
    before = site.head()
    with open(os.path.join(clone, "chapters/ch01.md"), "a", encoding="utf-8") as handle:
        handle.write("冒名的一段。\n")
    git("-c", "user.name=李老师", "-c", f"user.email={site.emails['other']}",
        "commit", "-q", "-am", "冒名", cwd=clone)
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and site.emails["other"] in refused.stderr
    assert site.head() == before
    # The same commit in her own name lands.
    git("commit", "-q", "--amend", "--no-edit", "--reset-author", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    assert site.head() != before


def test_an_editor_may_push_an_authors_commit_and_the_history_names_the_pusher(site):
    clone = site.clone("editor")
    with open(os.path.join(clone, "chapters/ch04.md"), "a", encoding="utf-8") as handle:
        handle.write("张老师用邮件发来的一段。\n")
    git("-c", "user.name=张老师", "-c", f"user.email={site.emails['author']}",
        "commit", "-q", "-am", "张老师的修改", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    history = site.api("editor", "/chapters/ch04/history").json()
    assert history[0]["email"] == site.emails["author"]
    assert history[0]["pushed_by"] == site.emails["editor"]
    assert all(h["pushed_by"] is None for h in history[1:])
    page = login(site, "editor").get(site.base + "/books/labor-rights/chapters/ch04/history",
                                      timeout=10).text
    assert "王编辑" in page and "张老师" in page


def test_svgs_pushed_over_git_get_the_checks_of_an_upload(site):
    """Issue 16: an SVG with a script, an SVG named .png, or a bad SVG in any commit of the
    push is refused; a clean SVG lands."""
    clone = site.clone("editor")
    before = site.head()
    _add_file(clone, "images/attack.svg", SCRIPTED_SVG, "带脚本的图")
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and "images/attack.svg" in refused.stderr
    assert "script" in refused.stderr and site.head() == before
    git("reset", "-q", "--hard", "origin/main", cwd=clone)
    _add_file(clone, "images/photo.png", CLEAN_SVG, "伪装成 PNG")
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and "images/photo.png" in refused.stderr
    git("reset", "-q", "--hard", "origin/main", cwd=clone)
    _add_file(clone, "images/later.svg", SCRIPTED_SVG, "先放带脚本的")
    _add_file(clone, "images/later.svg", CLEAN_SVG, "再改干净")  # still in the history
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and "images/later.svg" in refused.stderr
    assert site.head() == before
    git("reset", "-q", "--hard", "origin/main", cwd=clone)
    _add_file(clone, "images/clean.svg", CLEAN_SVG, "干净的图")
    git("push", "-q", "origin", "main", cwd=clone)
    assert git("cat-file", "-e", "main:images/clean.svg", cwd=site.git_dir).returncode == 0


def test_an_editors_push_of_book_yaml_reaches_the_database_at_once(site):
    """Issue 18: titles and order pushed in book.yaml are what pages and the API show, and a
    title with a line break is refused like a typed one."""
    clone = site.clone("editor")
    path = os.path.join(clone, "book.yaml")
    meta = yaml.safe_load(open(path, encoding="utf-8"))
    meta["title"] = "新就业形态劳动者权益保障（修订本）"
    entries = meta["chapters"]
    entries[0]["title"] = "第一章　总论"
    entries.insert(1, entries.pop())  # the last chapter moves up to second place
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(meta, handle, allow_unicode=True, sort_keys=False)
    git("commit", "-q", "-am", "调整目录", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    books = requests.get(f"{site.base}/api/v1/books", timeout=10,
                         headers={"Authorization": f"Bearer {site.tokens['editor']}"}).json()
    assert [b["title"] for b in books if b["slug"] == "labor-rights"] == [meta["title"]]
    listed = site.api("editor", "/chapters").json()
    assert [c["id"] for c in listed] == [e["id"] for e in entries]
    assert listed[0]["title"] == "第一章　总论"
    entries[0]["title"] = "第一章\r\nBcc: all@example.com"
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(meta, handle, allow_unicode=True, sort_keys=False)
    git("commit", "-q", "-am", "坏标题", cwd=clone)
    refused = git("push", "origin", "main", cwd=clone, check=False)
    assert refused.returncode != 0 and "book.yaml" in refused.stderr
    assert site.api("editor", "/chapters").json()[0]["title"] == "第一章　总论"


def test_zz_after_everything_the_repository_is_sound_and_the_database_agrees(site):
    git("fsck", "--strict", "--no-dangling", cwd=site.git_dir)
    check = subprocess.run([sys.executable, "-m", "alliance.cli", "check"], capture_output=True,
                           text=True, env={**os.environ, "ALLIANCE_HOME": site.home})
    assert check.returncode == 0, check.stdout + check.stderr
    assert "nothing found" in check.stdout
