"""The pruner of EXPORTS: least recently used first, only what can be rebuilt, never a
cache a render is using."""
import os
import threading

from alliance.publishing import disk


def _file(path, size, used):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (used, used))
    return path


def _home(tmp_path):
    root = tmp_path / "exports"
    files = {
        "old-cache": _file(root / "book" / "cache" / "html" / "ab" / "old.html", 100, 1000),
        "new-cache": _file(root / "book" / "cache" / "html" / "cd" / "new.html", 100, 5000),
        "old-job": _file(root / "book" / "jobs" / "job-old" / "book.html", 100, 2000),
        "new-job": _file(root / "book" / "jobs" / "job-new" / "book.html", 100, 4000),
        "edition": _file(root / "book" / "jobs" / "job-edition" / "book.pdf", 1000, 10),
        "cli": _file(root / "book" / "cli" / "book-1.html", 100, 3000),
        "delivery": _file(root / "deliveries" / "1" / "book-1.zip", 1000, 10),
        "scan": _file(root / "agreements" / "1" / "scan.pdf", 1000, 10),
    }
    for name in ("job-old", "job-new", "job-edition"):
        os.utime(root / "book" / "jobs" / name, (1, 1))
    return root, files


def test_the_least_recently_used_go_first_until_the_rest_fits(tmp_path):
    root, files = _home(tmp_path)
    report = disk.prune(root, 250, keep={"job-edition"})
    assert [u.path for u in report.removed] == [files["old-cache"], files["old-job"].parent,
                                                files["cli"]]
    assert report.freed == 300 and report.left == 200 and report.limit == 250
    assert files["new-cache"].exists() and files["new-job"].exists()
    for kept in ("edition", "delivery", "scan"):
        assert files[kept].exists()


def test_a_limit_of_nothing_leaves_only_what_is_never_pruned(tmp_path):
    root, files = _home(tmp_path)
    report = disk.prune(root, 0, keep={"job-edition"})
    assert report.left == 0 and len(report.removed) == 5
    assert sorted(n for n, p in files.items() if p.exists()) == ["delivery", "edition", "scan"]


def test_a_use_moves_a_file_to_the_back_of_the_queue(tmp_path):
    root, files = _home(tmp_path)
    disk.touch(files["old-cache"])
    report = disk.prune(root, 400, keep={"job-edition"})
    assert [u.path for u in report.removed] == [files["old-job"].parent]
    assert files["old-cache"].exists()


def test_a_spared_file_counts_but_stays(tmp_path):
    root, files = _home(tmp_path)
    report = disk.prune(root, 0, keep={"job-edition"}, spare=[files["old-job"].parent])
    assert files["old-job"].exists() and report.left == 100


def test_a_cache_in_use_by_a_render_is_left_for_the_next_round(tmp_path):
    root, files = _home(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def render():
        with disk.in_use(root / "book" / "cache"):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=render)
    thread.start()
    holding.wait(10)
    try:
        report = disk.prune(root, 0, keep={"job-edition"})
    finally:
        release.set()
        thread.join()
    assert files["old-cache"].exists() and files["new-cache"].exists()
    assert report.busy == [str(root / "book" / "cache")] and report.left == 200
    assert not files["old-job"].exists()  # the artifacts went all the same
    assert disk.prune(root, 0, keep={"job-edition"}).left == 0  # free again: pruned now
    assert not files["old-cache"].exists()
