"""Pre-publication checks: the gate an edition passes before delivery.

findings (what a check reports), gate (the checks on the book's source and workflow,
and the report), built_files (checks on the built PDF and EPUB), runner (build, then check).
"""
