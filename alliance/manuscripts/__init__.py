"""Manuscripts: books, chapters, authoring (saves, restores, conflicts), images, Word
import, search and Chinese punctuation rules.

Owns what authors and editors change in a book's text. May import people (permissions,
audit), publishing (book.yaml, SVG sanitizing, Markdown reading), store and models;
never review, production, ops or the web layers.
"""
