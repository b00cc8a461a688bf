"""Benchmark: the print PDF of a generated ~300-page, 12-chapter book.

Baseline, in the same run: (a) the plain pipeline, pandoc to one HTML file and
one WeasyPrint document with the same CSS (page numbers by CSS counter). Then
(b) Alliance cold export (empty cache), (c) re-export after one chapter
changed, (d) the one-chapter preview (median of 5, a generated chapter and a
demo chapter). Each case runs in its own process, timed after imports; peak
memory is the largest resident size of the case's whole process tree (itself,
pandoc, the render workers), sampled every 20 ms.

Run with `make bench`. Targets: (b) ≤ 0.8×(a), (c) ≤ 0.25×(a), (d) ≤ 1.5 s, peak ≤ 1 GiB.
"""
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "publishing")]

from alliance.publishing import profiles, snapshot  # noqa: E402
from alliance.store import ManuscriptStore  # noqa: E402

PROFILE = "16k-print"


def plain(snap, out, work):
    """The baseline: one pandoc run for the whole book, one WeasyPrint document."""
    import pypandoc
    from weasyprint import HTML

    from alliance.publishing.book_html import css_string, page_css
    from alliance.publishing.chapter_html import FILTERS, MARKDOWN
    from alliance.publishing.fetcher import template_text
    from alliance.publishing.weasy import install
    install()  # the same CJK justification as the Alliance pipeline
    for path, data in snap.images.items():
        os.makedirs(os.path.join(work, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(work, path), "wb") as handle:
            handle.write(data)
    started = time.perf_counter()
    markdown = "\n\n".join(c.text for c in snap.chapters)
    body = pypandoc.convert_text(markdown, "html5", format=MARKDOWN, extra_args=[
        "--wrap=none", "--lua-filter", str(FILTERS / "footnote.lua")])
    css = (page_css(profiles.get(PROFILE)) + template_text("print.css")
           + "@page { @bottom-center { content: counter(page); font: 9pt 'Noto Serif CJK SC'; } }"
           + "@page :left { @top-center { content: %s } }" % css_string(snap.title)
           + "h1 { break-before: right; }")
    document = f'<html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'
    pdf = HTML(string=document, base_url=work + "/").render()
    pdf.write_pdf(out, pdf_variant="pdf/x-4", output_intent="srgb")
    return time.perf_counter() - started, len(pdf.pages)


def cpu_seconds():
    """Return the CPU time of this process and its finished children so far."""
    own, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                      resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def case(name, store, cache, out):
    """Run one case in this process; return its figures."""
    figures = case_figures(name, store, cache, out)
    figures["cpu"] = figures.get("cpu", cpu_seconds() - CPU_AT_START[0])
    return figures


CPU_AT_START = [0.0]


def case_figures(name, store, cache, out):
    importlib.import_module("weasyprint")  # before the clock starts, as in a warm worker

    from alliance.publishing.pdf import preview_pdf, render_pdf
    profile = profiles.get(PROFILE)
    snap = snapshot.take(ManuscriptStore(store).book("bench"), "bench")
    CPU_AT_START[0] = cpu_seconds()
    if name == "plain":
        seconds, pages = plain(snap, out, tempfile.mkdtemp())
        return {"seconds": seconds, "pages": pages}
    if name in ("cold", "reexport"):
        started = time.perf_counter()
        report = render_pdf(snap, profile, out, cache_dir=cache)
        return {"seconds": time.perf_counter() - started, "pages": report.pages,
                "rendered": report.stats["chapters_rendered"]}
    demo = snapshot.take(ManuscriptStore(store).book("demo"), "demo")
    figures = {}
    for label, book, key in (("generated ch05", snap, "ch05"), ("demo ch02", demo, "ch02")):
        times, cpus = [], []
        for _ in range(5):
            started, cpu = time.perf_counter(), cpu_seconds()
            preview_pdf(book, key, profile, out)  # no cache: a preview follows an edit
            times.append(time.perf_counter() - started)
            cpus.append(cpu_seconds() - cpu)
        figures[label] = (statistics.median(times), statistics.median(cpus))
    return {"seconds": figures["demo ch02"][0], "cpu": figures["demo ch02"][1],
            "generated": figures["generated ch05"][0]}


def _tree_rss_kib(pid):
    """Return the resident memory of ``pid`` and all its descendants, in KiB."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            total += next(int(line.split()[1]) for line in handle if line.startswith("VmRSS"))
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                total += sum(_tree_rss_kib(int(child)) for child in handle.read().split())
    except (OSError, StopIteration):
        pass  # the process ended while we looked
    return total


def sample_peak(stop, peak):
    """Record in peak[0] the largest RSS of this process tree seen every 20 ms until ``stop``."""
    while not stop.wait(0.02):
        peak[0] = max(peak[0], _tree_rss_kib(os.getpid()))


def run_case(name, store, cache, out):
    done = subprocess.run([sys.executable, __file__, name, store, cache, out],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    from bookgen import change_chapter, make_book
    from conftest import write_demo
    work = tempfile.mkdtemp(prefix="bench-export-")
    store, cache = os.path.join(work, "store"), os.path.join(work, "cache")
    repo = make_book(store)
    write_demo(store, slug="demo")
    results = {"plain": run_case("plain", store, cache, os.path.join(work, "plain.pdf")),
               "cold": run_case("cold", store, cache, os.path.join(work, "cold.pdf"))}
    change_chapter(repo)
    results["reexport"] = run_case("reexport", store, cache, os.path.join(work, "re.pdf"))
    results["preview"] = run_case("preview", store, cache, os.path.join(work, "pv.pdf"))
    base = results["plain"]["seconds"]
    print(f"\nPDF export, {results['cold']['pages']} pages (plain pipeline: "
          f"{results['plain']['pages']}), 12 chapters, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':44} {'seconds':>8} {'× (a)':>7} {'target':>8} {'peak MiB':>9} "
          f"{'CPU s':>7} {'× (a)':>6}")
    rows = [("(a) plain: pandoc one HTML + WeasyPrint", "plain", ""),
            ("(b) Alliance cold export", "cold", "≤ 0.80"),
            ("(c) Alliance re-export, one chapter changed", "reexport", "≤ 0.25"),
            ("(d) preview, demo chapter (median of 5)", "preview", "≤ 1.5 s")]
    for label, key, target in rows:
        r = results[key]
        print(f"{label:44} {r['seconds']:8.2f} {r['seconds'] / base:7.2f} {target:>8} "
              f"{r['peak_mib']:9.0f} {r['cpu']:7.1f} {r['cpu'] / results['plain']['cpu']:6.2f}")
    print(f"{'    preview, generated chapter (median of 5)':44} "
          f"{results['preview']['generated']:8.2f}")
    print("CPU s: this process and its children (pandoc, workers); the wall-clock gain of "
          "(b) needs two idle cores")
    print(f"chapters rendered: cold {results['cold']['rendered']}, "
          f"re-export {results['reexport']['rendered']}; peak target ≤ 1024 MiB")


if __name__ == "__main__":
    if len(sys.argv) == 5:
        stop, peak = threading.Event(), [0]
        sampler = threading.Thread(target=sample_peak, args=(stop, peak), daemon=True)
        sampler.start()
        figures = case(*sys.argv[1:])
        stop.set()
        sampler.join()
        # Sampled tree RSS (forked workers' shared pages counted twice: an upper bound),
        # and never below the kernel's own high-water mark for this process.
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures["peak_mib"] = max(peak[0], own) / 1024
        print(json.dumps(figures))
    else:
        main()
