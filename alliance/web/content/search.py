"""The search page: chapters matching a phrase, in the books the person may read."""
from flask import render_template, request
from flask_login import current_user, login_required

from ...manuscripts import search as svc
from ...extensions import db
from .blueprint import bp


@bp.get("/search")
@login_required
def search():
    """Matching chapters with book, revision and a highlighted passage; ``?q=`` the query."""
    query = (request.args.get("q") or "").strip()[:svc.MAX_QUERY]
    hits = svc.search(current_user, query) if query else []
    db.session.commit()  # what the search indexed again (search.refresh)
    return render_template("content/search.html", query=query, hits=hits,
                           available=svc.available())
