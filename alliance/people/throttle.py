"""Growing delays between failed logins from one source, instead of locking accounts.

Every wrong password counts against the address it came from (an IPv6 address by
its /64 network, which one machine may roam). The first FREE_FAILURES cost
nothing; each further one makes that source wait twice as long as the last
(FIRST_DELAY, doubling up to MAX_DELAY) before its next attempt is even looked
at. A source that fails nothing for FORGET_AFTER starts afresh. No account is
ever locked: the right password from any other source always works, so nobody
can keep a named person out by guessing wrong on their behalf.

Counts live in Redis when REDIS_URL is configured, so every gunicorn worker and
machine sees the same count; otherwise in this process. When Redis cannot be
reached the attempt is let through and the failure logged: logins then rest on
the password hashes' cost alone, rather than nobody being able to log in.
"""
import ipaddress
import logging
import math
import threading
import time

FREE_FAILURES = 5
FIRST_DELAY = 1  # seconds
MAX_DELAY = 15 * 60
FORGET_AFTER = 24 * 3600
_KEY = "alliance:login-failures:"


def now():
    """Return the current time in seconds (wall clock: shared by every worker)."""
    return time.time()


def source_of(address):
    """Return the throttling key of a client address: itself, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return str(address or "unknown")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def delay_after(failures):
    """Return how many seconds a source with ``failures`` must wait after its last one."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


class MemoryCounts:
    """Failures per source in this process: {source: (count, time of the last)}."""

    def __init__(self):
        self.lock, self.counts = threading.Lock(), {}

    def get(self, source):
        """Return (failures, time of the last) for ``source``; (0, 0.0) once forgotten."""
        with self.lock:
            count, last = self.counts.get(source, (0, 0.0))
        return (0, 0.0) if now() - last > FORGET_AFTER else (count, last)

    def add(self, source):
        """Count one more failure for ``source`` now."""
        with self.lock:
            if len(self.counts) > 100_000:  # keep memory bounded under a flood
                self.counts = {s: v for s, v in self.counts.items()
                               if now() - v[1] <= FORGET_AFTER}
            count, last = self.counts.get(source, (0, 0.0))
            count = 0 if now() - last > FORGET_AFTER else count
            self.counts[source] = (count + 1, now())


class RedisCounts:
    """Failures per source in Redis: a hash {n, t} per source that expires by itself."""

    def __init__(self, url):
        import redis
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, source):
        """Return (failures, time of the last) for ``source``; (0, 0.0) once forgotten."""
        count, last = self.redis.hmget(_KEY + source, "n", "t")
        return (int(count or 0), float(last or 0.0))

    def add(self, source):
        """Count one more failure for ``source`` now."""
        key = _KEY + source
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "n", 1).hset(key, "t", now()).expire(key, FORGET_AFTER)
            pipe.execute()


def counts_for(app):
    """Return the app's failure counts: in Redis when REDIS_URL is set, else in memory."""
    counts = app.extensions.get("alliance_login_failures")
    if counts is None:
        url = app.config.get("REDIS_URL")
        counts = RedisCounts(url) if url else MemoryCounts()
        app.extensions["alliance_login_failures"] = counts
    return counts


def wait_seconds(app, address):
    """Return how many whole seconds ``address`` must still wait before trying (0: now)."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return 0
    source = source_of(address)
    try:
        count, last = counts_for(app).get(source)
    except Exception:  # noqa: BLE001  (Redis down: let the attempt through, say so)
        logging.getLogger(__name__).exception("login throttling unavailable")
        return 0
    left = last + delay_after(count) - now()
    return math.ceil(left) if left > 0 else 0


def record_failure(app, address):
    """Count a failed login from ``address``."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    source = source_of(address)
    try:
        counts_for(app).add(source)
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).exception("login throttling unavailable")
