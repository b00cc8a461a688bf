""".ci/with-services: throwaway PostgreSQL and Redis, gone again when the command fails."""
import os
import shutil
import socket
import subprocess

import pytest

from alliance.config import PROJECT_ROOT

WITH_SERVICES = str(PROJECT_ROOT / ".ci" / "with-services")
REPORT = ('echo "$ALLIANCE_TEST_DATABASE_URL $ALLIANCE_TEST_REDIS_URL"; '
          'psql "${ALLIANCE_TEST_DATABASE_URL/+psycopg/}" -Atc "SHOW fsync"; '
          'redis-cli -u "$ALLIANCE_TEST_REDIS_URL" ping; exit 3')

def _installed():
    versions = os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else []
    return bool(shutil.which("redis-server")) and any(
        os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb") for v in versions)


pytestmark = pytest.mark.skipif(not _installed(), reason="needs the postgresql and redis-server "
                                                         "packages (make test-system)")


def listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_both_servers_answer_and_are_stopped_when_the_command_fails():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_TEST_")}
    proc = subprocess.run([WITH_SERVICES, "bash", "-c", REPORT], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr  # the command's own status comes back
    urls, fsync, pong = proc.stdout.split("\n")[:3]
    database, redis = urls.split()
    assert database.startswith("postgresql+psycopg://alliance@127.0.0.1:")
    assert redis.startswith("redis://127.0.0.1:") and pong == "PONG" and fsync == "off"
    ports = [int(url.rsplit(":", 1)[1].split("/")[0]) for url in (database, redis)]
    assert not any(listening(port) for port in ports)
