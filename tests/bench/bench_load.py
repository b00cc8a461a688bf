"""Benchmark: the served app under load: chapter pages read and chapters saved by 32 clients.

gunicorn (`gunicorn -c gunicorn.conf.py wsgi:app`, two workers) serves a home of
4 books x 8 chapters. The load generator is 4 processes x 8 threads with
requests sessions: 16 readers GET chapter pages (logged in, the web page) and
16 writers PUT their own chapter through the API, each from its last answered
revision. Reported per run: requests per second, p50/p99 latency per kind,
saves per second, errors, and lost updates (saves answered 200 whose text is not
in Git at their revision on main; must be 0).

Baselines in the same run: the reads alone on the same server, and the same mixed
load on one gunicorn sync worker (one worker, one thread). Ratios are printed
against them. Targets: chapter page p99 <= 100 ms, >= 50 saves per second.

Run with `make bench` (BENCH_SECONDS=25 by default).
"""
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "..")]
from helpers import free_port  # noqa: E402
from served_home import Gunicorn, lost_saves, seed, web_session  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "25"))
PROCESSES, THREADS = 4, 8  # 32 clients
BOOKS, CHAPTERS = 4, 8


def reader(base, email, chapters, ready, stop, out):
    session = web_session(base, email)
    ready.wait()
    latencies, errors, n = [], 0, 0
    while not stop.is_set():
        slug, key = chapters[n % len(chapters)]
        n += 1
        start = time.perf_counter()
        try:
            ok = session.get(f"{base}/books/{slug}/chapters/{key}", timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            latencies.append(time.perf_counter() - start)
        else:
            errors += 1
    out.append(("read", latencies, errors, []))


def writer(base, chapter, ready, stop, out):
    slug, key, _email, token = chapter
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    url = f"{base}/api/v1/books/{slug}/chapters/{key}"
    base_rev = session.get(url, timeout=30).json()["head"]
    ready.wait()
    latencies, errors, saved, n = [], 0, [], 0
    while not stop.is_set():
        n += 1
        text = f"# {key}\n\n{slug}/{key} 第{n}稿，{time.time_ns()}。\n" + "正文。\n" * 40
        start = time.perf_counter()
        try:
            answer = session.put(url, timeout=30, json={"content": text,
                                                        "base_revision": base_rev})
        except requests.RequestException:
            answer = None
        if answer is not None and answer.status_code == 200:
            latencies.append(time.perf_counter() - start)
            base_rev = answer.json()["revision"]
            saved.append((slug, key, text, base_rev))
        else:
            errors += 1
    out.append(("save", latencies, errors, saved))


def client_process(base, jobs, seconds, results):
    """Run this process's share of clients for ``seconds``; put their figures on ``results``.

    The clock starts once every client has logged in (or read its base revision).
    """
    stop, out, threads = threading.Event(), [], []
    ready = threading.Barrier(len(jobs) + 1)
    for kind, arg in jobs:
        target = reader if kind == "read" else writer
        args = (base, *arg, ready, stop, out) if kind == "read" else (base, arg, ready, stop, out)
        threads.append(threading.Thread(target=target, args=args, daemon=True))
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    results.put(out)


def run_load(server, seeded, readers, writers, seconds):
    """Drive ``readers`` + ``writers`` clients against ``server``; return the figures."""
    chapters = [(s, k) for s, k, _e, _t in seeded.chapters]
    jobs = [("read", (seeded.editor_email, chapters[i::readers] or chapters))
            for i in range(readers)] + [("save", seeded.chapters[i]) for i in range(writers)]
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=client_process,
                         args=(server.url, jobs[p::PROCESSES], seconds, results))
             for p in range(PROCESSES)]
    for proc in procs:
        proc.start()
    outs = [item for _ in procs for item in results.get(timeout=seconds + 300)]
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


def serve_and_load(tmp, name, workers, threads, readers, writers):
    seeded = seed(os.path.join(tmp, name), books=BOOKS, chapters_per_book=CHAPTERS)
    server = Gunicorn(seeded, free_port(), workers=workers, threads=threads,
                      log=os.path.join(tmp, f"{name}.log"))
    server.start()
    try:
        return run_load(server, seeded, readers, writers, SECONDS)
    finally:
        server.stop()


def show(name, f):
    r, s = f["read"], f["save"]
    print(f"{name:<34} {f['rps']:7.1f} {r['rate']:7.1f} {r['p50']:7.1f} {r['p99']:7.1f} "
          f"{s['rate']:7.1f} {s['p50']:7.1f} {s['p99']:7.1f} {r['errors'] + s['errors']:5d} "
          f"{f['lost']:4d}")


def main():
    print(f"{SECONDS:.0f} s per run, 32 clients (16 reading chapter pages, 16 saving via the API)"
          f"; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before")
    print(f"{'run':<34} {'req/s':>7} {'reads/s':>7} {'r p50':>7} {'r p99':>7} "
          f"{'saves/s':>7} {'s p50':>7} {'s p99':>7} {'errs':>5} {'lost':>4}")
    with tempfile.TemporaryDirectory(prefix="alliance-bench-load-") as tmp:
        reads = serve_and_load(tmp, "reads", 2, None, 32, 0)
        show("reads alone, 2 workers (config)", reads)
        sync = serve_and_load(tmp, "sync", 1, 1, 16, 16)
        show("mixed, 1 sync worker (baseline)", sync)
        mixed = serve_and_load(tmp, "mixed", 2, None, 16, 16)
        show("mixed, 2 workers (config)", mixed)
    r, s = mixed["read"], mixed["save"]
    print(f"load average {os.getloadavg()[0]:.1f} after (other work on the machine skews "
          "every figure; the ratios less)")
    print(f"\nmixed/config vs 1 sync worker: {mixed['rps'] / sync['rps']:.2f}x requests/s, "
          f"{s['rate'] / max(sync['save']['rate'], 1e-9):.2f}x saves/s, "
          f"read p99 {r['p99'] / sync['read']['p99']:.2f}x")
    print(f"mixed read p99 vs reads alone: {r['p99'] / reads['read']['p99']:.2f}x")
    print(f"targets: chapter page p99 {r['p99']:.1f} ms (<= 100: "
          f"{'met' if r['p99'] <= 100 else 'NOT met'}); {s['rate']:.1f} saves/s (>= 50: "
          f"{'met' if s['rate'] >= 50 else 'NOT met'}); lost updates "
          f"{sync['lost'] + mixed['lost']} (must be 0)")
    if sync["lost"] or mixed["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
