"""Shared by the export, job and edition tests: production staff, approving every chapter,
and waiting for a job."""
import time

from sqlalchemy import select

from alliance.review import workflow
from alliance.manuscripts.books import add_member, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import ExportJob, JobState, User
from alliance.people.accounts import create_token, create_user

# tests/conftest.py's PASSWORD; imported by value because tests/publishing has a conftest too.
PASSWORD = "correct-horse-battery"

PRODUCTION = "prod@cwph.test"


def add_production(app, world):
    """Give the world's book a production member (prod@cwph.test) with an API token."""
    with app.app_context():
        editor = db.session.scalar(select(User).filter_by(email=world.emails["editor"]))
        prod = create_user(PRODUCTION, "孙制作", editor.org, PASSWORD)
        add_member(find_book("labor-rights"), prod, "production")
        world.tokens[PRODUCTION] = create_token(prod)
        world.emails["production"] = PRODUCTION
        db.session.commit()


def user(email):
    """Return the user with ``email`` (inside an app context)."""
    return db.session.scalar(select(User).filter_by(email=email))


def approve_all(app, world, slug="labor-rights"):
    """Take every chapter of the book through a one-stage review to approved."""
    with app.app_context():
        store = manuscript_store()
        book = find_book(slug)
        editor, author = user(world.emails["editor"]), user(world.emails["author"])
        workflow.configure_stages(book, [("终审", None)], False, editor)
        for chapter in book.chapters:
            workflow.submit(store, chapter, author)
            workflow.approve(store, chapter, editor)
        db.session.commit()


def wait_for(app, job_id, timeout=120, seen=None):
    """Poll the job row until it is done or failed; return it (detached values as a dict).
    ``seen`` (a list) collects the progress values observed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(ExportJob, job_id)
            state, progress = job.state, job.progress
            if seen is not None and (not seen or seen[-1] != progress):
                seen.append(progress)
            if state in (JobState.DONE, JobState.FAILED):
                return {"state": state, "error": job.error, "artifacts": job.artifacts,
                        "progress": progress, "proof": job.proof, "commit": job.commit}
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s (state {state})")
