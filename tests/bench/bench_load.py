"""Benchmark: the served app under load: chapter pages read and chapters saved by 32 clients.

gunicorn (`gunicorn -c gunicorn.conf.py wsgi:app`, two workers) serves a home of
4 books x 8 chapters. The load generator is 4 processes x 8 threads, each request on
its own http.client connection: 16 readers GET chapter pages (logged in, the web page,
each reader going round its share of all 32 chapters) and 16 writers PUT their own
chapter (8 in each of two books) through the API, each from its last answered
revision, so every read of a chapter being written renders a new text.

Runs, each after WARMUP seconds of the same load that are not timed:
- closed loop on one gunicorn sync worker (the baseline) and on the configured
  two workers: every client sends again as soon as it is answered, which shows
  the most the server answers per second;
- paced on the configured two workers: each reader opens a page every 16 / READ_RATE
  seconds and each writer saves every 16 / SAVE_RATE seconds (by default 16 pages
  and 56 saves a second in all), with each request's latency counted from when it
  was due, so a slow answer delays and is charged to the next request too;
  PACED_RUNS times on fresh servers, the run with the median read p99 judged
  against the targets (the disk's stalls vary from run to run).

Reported per run: requests per second, p50/p99 latency per kind, saves per second,
errors, and lost updates (saves answered 200 whose text is not in Git at their
revision on main; must be 0). Targets, on the paced run: chapter page p99 <= 100 ms,
>= 50 saves per second.

Run with `make bench` (BENCH_SECONDS=25 by default).
"""
import http.client
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "..")]
from helpers import free_port  # noqa: E402
from served_home import Gunicorn, lost_saves, seed, web_session  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "25"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
PROCESSES, THREADS = 4, 8  # 32 clients
BOOKS, CHAPTERS = 4, 8
# The paced run's offered load, in all: a page a second per reader, and saves above the
# target of 50 a second.
READ_RATE = float(os.environ.get("BENCH_READ_RATE", "16"))
SAVE_RATE = float(os.environ.get("BENCH_SAVE_RATE", "56"))
PACED_RUNS = int(os.environ.get("BENCH_PACED_RUNS", "3"))


class Pace:
    """When a client sends: at once after each answer (``interval`` 0, a closed loop), or
    every ``interval`` seconds from a random phase (paced). A paced request's latency is
    counted from when it was due, so a late start (the last answer came late) counts too."""

    def __init__(self, interval):
        self.interval = interval
        self.due = time.perf_counter() + random.uniform(0, interval)

    def next(self):
        """Wait until the next request is due; return the time it was due."""
        if not self.interval:
            return time.perf_counter()
        due, self.due = self.due, self.due + self.interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return due


class Client:
    """One client's HTTP: a fresh connection per request (the server closes each), through
    http.client. The generator shares the server's two cores, so it is kept light: at
    the paced load its 32 clients use 0.07 of a core, against 0.18 through requests."""

    def __init__(self, base, headers):
        parts = urlsplit(base)
        self.host, self.port, self.headers = parts.hostname, parts.port, headers

    def send(self, method, path, body=None):
        """Return (status, body bytes); (None, b"") when the connection fails."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = dict(self.headers)
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            return None, b""
        finally:
            connection.close()


def reader(base, email, chapters, interval, run, out):
    # Logged in once through the form; then the session cookie goes with every request.
    cookies = web_session(base, email).cookies
    client = Client(base, {"Cookie": "; ".join(f"{c.name}={c.value}" for c in cookies)})
    run.ready.wait()
    latencies, errors, n, pace = [], 0, 0, Pace(interval)
    while not run.stop.is_set():
        slug, key = chapters[n % len(chapters)]
        n += 1
        start = pace.next()
        counted = run.measuring.is_set()
        status, page = client.send("GET", f"/books/{slug}/chapters/{key}")
        if status != 200 or b'class="chapter-text"' not in page:
            errors += 1
        elif counted:
            latencies.append(time.perf_counter() - start)
    out.append(("read", latencies, errors, []))


def writer(base, chapter, interval, run, out):
    slug, key, _email, token = chapter
    client = Client(base, {"Authorization": f"Bearer {token}"})
    path = f"/api/v1/books/{slug}/chapters/{key}"
    base_rev = json.loads(client.send("GET", path)[1])["head"]
    run.ready.wait()
    latencies, errors, saved, n, pace = [], 0, [], 0, Pace(interval)
    while not run.stop.is_set():
        n += 1
        start = pace.next()
        counted = run.measuring.is_set()
        text = f"# {key}\n\n{slug}/{key} 第{n}稿，{time.time_ns()}。\n" + "正文。\n" * 40
        status, answer = client.send("PUT", path, {"content": text, "base_revision": base_rev})
        if status == 200:
            if counted:
                latencies.append(time.perf_counter() - start)
            base_rev = json.loads(answer)["revision"]
            saved.append((slug, key, text, base_rev))
        else:
            errors += 1
    out.append(("save", latencies, errors, saved))


def client_process(base, jobs, seconds, results):
    """Run this process's share of clients for WARMUP + ``seconds``; put their figures on
    ``results``.

    The clock starts once every client has logged in (or read its base revision).
    Requests due in the first WARMUP seconds (fresh workers: first pandoc runs,
    templates compiled, caches filled) are not timed; their saves are still checked.
    """
    out, threads = [], []
    run = SimpleNamespace(ready=threading.Barrier(len(jobs) + 1), stop=threading.Event(),
                          measuring=threading.Event())
    for kind, arg, interval in jobs:
        target = reader if kind == "read" else writer
        args = ((base, *arg, interval, run, out) if kind == "read"
                else (base, arg, interval, run, out))
        threads.append(threading.Thread(target=target, args=args, daemon=True))
    for thread in threads:
        thread.start()
    run.ready.wait()
    time.sleep(WARMUP)
    run.measuring.set()
    time.sleep(seconds)
    run.stop.set()
    for thread in threads:
        thread.join(60)
    results.put(out)


def run_load(server, seeded, readers, writers, seconds, rates=None):
    """Drive ``readers`` + ``writers`` clients against ``server``; return the figures.

    ``rates`` (reads/s, saves/s in all) paces the clients; None runs a closed loop.
    """
    chapters = [(s, k) for s, k, _e, _t in seeded.chapters]
    read_every = readers / rates[0] if rates and readers else 0
    save_every = writers / rates[1] if rates and writers else 0
    jobs = [("read", (seeded.editor_email, chapters[i::readers] or chapters), read_every)
            for i in range(readers)] + [("save", seeded.chapters[i], save_every)
                                        for i in range(writers)]
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=client_process,
                         args=(server.url, jobs[p::PROCESSES], seconds, results))
             for p in range(PROCESSES)]
    for proc in procs:
        proc.start()
    outs = [item for _ in procs for item in results.get(timeout=WARMUP + seconds + 300)]
    for proc in procs:
        proc.join(30)
    figures = {}
    for kind in ("read", "save"):
        lat = sorted(x for k, ls, _e, _s in outs if k == kind for x in ls)
        figures[kind] = {
            "count": len(lat), "rate": len(lat) / seconds,
            "errors": sum(e for k, _l, e, _s in outs if k == kind),
            "p50": quantile(lat, 0.50), "p99": quantile(lat, 0.99),
        }
    saved = [s for _k, _l, _e, ss in outs for s in ss]
    figures["lost"] = len(lost_saves(seeded.home, saved))
    figures["rps"] = (figures["read"]["count"] + figures["save"]["count"]) / seconds
    return figures


def quantile(values, q):
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1] * 1000


def serve_and_load(tmp, name, workers, threads, readers, writers, rates=None):
    seeded = seed(os.path.join(tmp, name), books=BOOKS, chapters_per_book=CHAPTERS)
    server = Gunicorn(seeded, free_port(), workers=workers, threads=threads,
                      log=os.path.join(tmp, f"{name}.log"))
    server.start()
    try:
        return run_load(server, seeded, readers, writers, SECONDS, rates)
    finally:
        server.stop()


def show(name, f):
    r, s = f["read"], f["save"]
    print(f"{name:<40} {f['rps']:7.1f} {r['rate']:7.1f} {r['p50']:7.1f} {r['p99']:7.1f} "
          f"{s['rate']:7.1f} {s['p50']:7.1f} {s['p99']:7.1f} {r['errors'] + s['errors']:5d} "
          f"{f['lost']:4d}")


def main():
    print(f"{SECONDS:.0f} s per run, 32 clients (16 reading chapter pages, 16 saving via the API)"
          f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before")
    print(f"paced: {READ_RATE:.0f} reads/s and {SAVE_RATE:.0f} saves/s offered in all, latency "
          "counted from when each request was due; closed loop: each client sends again as "
          "soon as answered")
    print(f"{'run':<40} {'req/s':>7} {'reads/s':>7} {'r p50':>7} {'r p99':>7} "
          f"{'saves/s':>7} {'s p50':>7} {'s p99':>7} {'errs':>5} {'lost':>4}")
    with tempfile.TemporaryDirectory(prefix="alliance-bench-load-") as tmp:
        sync = serve_and_load(tmp, "sync", 1, 1, 16, 16)
        show("closed loop, 1 sync worker (baseline)", sync)
        closed = serve_and_load(tmp, "closed", 2, None, 16, 16)
        show("closed loop, 2 workers (config)", closed)
        runs = []
        for n in range(PACED_RUNS):
            runs.append(serve_and_load(tmp, f"paced{n}", 2, None, 16, 16,
                                       (READ_RATE, SAVE_RATE)))
            show(f"paced, 2 workers (config), run {n + 1}", runs[-1])
    print(f"load average {os.getloadavg()[0]:.1f} after (other work on the machine skews "
          "every figure; the ratios less)")
    if not summary(sync, closed, runs):
        sys.exit(1)


def summary(sync, closed, runs):
    """Print the ratios and the targets; return False when an update was lost."""
    print(f"\nclosed loop, config vs 1 sync worker: {closed['rps'] / sync['rps']:.2f}x "
          f"requests/s, {closed['save']['rate'] / max(sync['save']['rate'], 1e-9):.2f}x saves/s")
    # The disk's stalls (fsyncs of SQLite checkpoints, the journal) vary between runs:
    # the run with the median read p99 stands for them.
    paced = sorted(runs, key=lambda f: f["read"]["p99"])[len(runs) // 2]
    r, s = paced["read"], paced["save"]
    lost = sync["lost"] + closed["lost"] + sum(f["lost"] for f in runs)
    print("paced read p99 of each run: "
          + ", ".join(f"{f['read']['p99']:.1f}" for f in runs) + " ms")
    print(f"targets (the paced run with the median read p99): chapter page p99 "
          f"{r['p99']:.1f} ms (<= 100: {'met' if r['p99'] <= 100 else 'NOT met'}); "
          f"{s['rate']:.1f} saves/s (>= 50: {'met' if s['rate'] >= 50 else 'NOT met'}); "
          f"lost updates {lost} (must be 0)")
    return lost == 0


if __name__ == "__main__":
    main()
