"""Benchmark: saves per second into one book, 1 and 8 concurrent writer processes.

Baseline, in the same run: naive GitPython in a working tree (write the file,
``repo.index.add``, ``index.commit``), the way a simple wiki stores pages. For
each, the updates lost: saves reported done whose commit is not on main, plus
writers whose final file is not what they last saved.

Run with `make bench`. Prints a table; figures vary by machine, ratios less.
"""
import multiprocessing
import os
import sys
import tempfile
import time

import git

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from alliance.store import ManuscriptStore, Person  # noqa: E402

SAVES_PER_WRITER = {1: 100, 8: 25}


def store_writer(root, writer, saves, results):
    book = ManuscriptStore(root).book("bench")
    person = Person(f"作者{writer}", f"w{writer}@bench.test")
    done, errors, last = 0, 0, None
    for n in range(saves):
        text = f"# 第{writer}章\n\n作者{writer}的第{n}稿。\n".encode()
        try:
            book.save({f"chapters/w{writer}.md": text}, book.head(), person, f"save {n}")
            done, last = done + 1, text
        except Exception:  # noqa: BLE001 - the benchmark counts failures, whatever they are
            errors += 1
    results.put((writer, done, errors, last))


def naive_writer(root, writer, saves, results):
    done, errors, last = 0, 0, None
    for n in range(saves):
        text = f"# 第{writer}章\n\n作者{writer}的第{n}稿。\n".encode()
        try:
            repo = git.Repo(root)
            path = os.path.join(root, "chapters", f"w{writer}.md")
            with open(path, "wb") as handle:
                handle.write(text)
            repo.index.add([path])
            repo.index.commit(f"save {n}", author=git.Actor(f"作者{writer}", "w@bench.test"))
            repo.close()
            done, last = done + 1, text
        except Exception:  # noqa: BLE001
            errors += 1
    results.put((writer, done, errors, last))


def setup_store(tmp):
    root = os.path.join(tmp, "store")
    ManuscriptStore(root).create("bench", {"book.yaml": b"title: bench\n"},
                                 Person("编辑", "ed@bench.test"), "init")
    repo_path = os.path.join(root, "bench.git")
    return root, repo_path


def setup_naive(tmp):
    root = os.path.join(tmp, "naive")
    os.makedirs(os.path.join(root, "chapters"))
    repo = git.Repo.init(root, initial_branch="main")
    with open(os.path.join(root, "book.yaml"), "w") as handle:
        handle.write("title: bench\n")
    repo.index.add(["book.yaml"])
    repo.index.commit("init")
    repo.close()
    return root, root


def read_final(repo_path, writer):
    with git.Repo(repo_path) as repo:
        try:
            return (repo.commit("main").tree / f"chapters/w{writer}.md").data_stream.read()
        except KeyError:
            return None


def run(kind, writers):
    saves = SAVES_PER_WRITER[writers]
    tmp = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    root, repo_path = (setup_store if kind == "alliance" else setup_naive)(tmp)
    target = store_writer if kind == "alliance" else naive_writer
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(root, w, saves, results)) for w in range(writers)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - start
    done = sum(o[1] for o in outcomes)
    errors = sum(o[2] for o in outcomes)
    with git.Repo(repo_path) as repo:
        commits = sum(1 for _ in repo.iter_commits("main")) - 1
    reverted = sum(1 for w, _d, _e, last in outcomes if read_final(repo_path, w) != last)
    return {"kind": kind, "writers": writers, "saves": done, "errors": errors,
            "seconds": elapsed, "per_second": done / elapsed,
            "lost": max(done - commits, 0) + reverted}


def main():
    rows = [run(kind, writers) for writers in (1, 8) for kind in ("naive", "alliance")]
    print(f"{'store':<10}{'writers':>8}{'saves':>7}{'errors':>8}{'saves/s':>10}"
          f"{'vs naive':>10}{'lost':>6}")
    baseline = {r["writers"]: r["per_second"] for r in rows if r["kind"] == "naive"}
    for r in rows:
        ratio = r["per_second"] / baseline[r["writers"]]
        print(f"{r['kind']:<10}{r['writers']:>8}{r['saves']:>7}{r['errors']:>8}"
              f"{r['per_second']:>10.1f}{ratio:>10.2f}{r['lost']:>6}")


if __name__ == "__main__":
    main()
