"""Permission matrix cases for the health endpoint: open to everyone, no login."""
from matrix import ROLES, Case

CASES = [
    Case("health.health", "GET", "/health", {r: 200 for r in ROLES}),
]
