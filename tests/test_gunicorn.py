"""The documented production command serves the app: `gunicorn -c gunicorn.conf.py wsgi:app`."""
import os
import subprocess
import sys
import time

import requests

from alliance.config import PROJECT_ROOT
from helpers import free_port


def test_gunicorn_with_the_project_config_answers_health(tmp_path):
    env = {**os.environ, "ALLIANCE_HOME": str(tmp_path), "ALLIANCE_PROXY_FIX": "1"}
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, "alliance"), "init"], env=env, check=True,
                   capture_output=True)
    port = free_port()
    env["ALLIANCE_BIND"] = f"127.0.0.1:{port}"
    server = subprocess.Popen([os.path.join(bindir, "gunicorn"), "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=PROJECT_ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        answer = None
        for _ in range(100):
            try:
                # The master listens before its workers have loaded the app, which takes
                # seconds on a busy machine (the suite runs on every core at once).
                answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=30)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        assert answer is not None, "gunicorn did not start"
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok", "database": "ok", "manuscripts": "ok"}
    finally:
        server.terminate()
        server.wait(30)
