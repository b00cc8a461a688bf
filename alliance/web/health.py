"""GET /health: whether this process can reach the database and the manuscripts folder.

For load balancers and monitors: no login, JSON, 503 when a part is unusable.
"""
import os

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Answer 200 {status, database, manuscripts} all "ok", or 503 naming what failed."""
    parts = {"database": _database(), "manuscripts": _manuscripts()}
    healthy = all(value == "ok" for value in parts.values())
    return jsonify(status="ok" if healthy else "error", **parts), 200 if healthy else 503


def _database():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "error"
    return "ok"


def _manuscripts():
    folder = current_app.config["MANUSCRIPTS"]
    # Saves write objects and move refs there: reading alone is not enough.
    usable = os.path.isdir(folder) and os.access(folder, os.R_OK | os.W_OK | os.X_OK)
    return "ok" if usable else "error"
