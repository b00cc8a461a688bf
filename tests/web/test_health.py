"""GET /health: open, JSON, and 503 when the database or manuscripts folder is unusable."""
import os
import shutil

from alliance import create_app
from alliance.extensions import db


def test_a_sound_instance_answers_ok_without_login(client, world):
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "manuscripts": "ok"}


def test_a_missing_manuscripts_folder_answers_503(app, client, world):
    shutil.rmtree(app.config["MANUSCRIPTS"])
    answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "error", "database": "ok", "manuscripts": "error"}


def test_an_unreachable_database_answers_503(tmp_path):
    # A database in a folder that is gone: SQLite cannot open it.
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path}/gone/alliance.db"})
    answer = app.test_client().get("/health")
    assert answer.status_code == 503
    assert answer.get_json()["database"] == "error"
    assert answer.get_json()["manuscripts"] == "ok"
    with app.app_context():
        db.engine.dispose()
    assert not os.path.exists(tmp_path / "gone")
