"""Permission matrix cases for the health endpoint: open to everyone, no login.

Everyone, anonymous included, gets the same answer: the parts' status and
nothing about the person asking or the books.
"""
from matrix import ROLES, Case

HEALTHY = {"status": "ok", "database": "ok", "manuscripts": "ok"}

CASES = [
    Case("health.health", "GET", "/health", {r: 200 for r in ROLES}, answer=HEALTHY),
]
