"""Three-way merge of text files with git merge-file."""
import os
import subprocess
import tempfile

# Files merged line by line; anything else (images) conflicts when both sides changed.
TEXT_SUFFIXES = (".md", ".yaml", ".yml", ".txt", ".css")


def merge_text(base, mine, theirs):
    """Return the clean three-way merge of ``mine`` and ``theirs`` from ``base``, or None.

    None means the changes overlap (or touch adjacent lines), so a person has
    to decide; no conflict markers are ever returned as a merge result.
    """
    with tempfile.TemporaryDirectory(prefix="alliance-merge-") as tmp:
        names = []
        for label, data in (("mine", mine), ("base", base), ("theirs", theirs)):
            name = os.path.join(tmp, label)
            with open(name, "wb") as handle:
                handle.write(data)
            names.append(name)
        proc = subprocess.run(
            ["git", "merge-file", "-p", "--", *names],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
    if proc.returncode != 0:  # >0: number of conflicts; <0: error
        return None
    return proc.stdout
