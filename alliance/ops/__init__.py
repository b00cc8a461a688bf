"""Operations: backup and restore, the integrity check, the git push hooks and the
database schema upgrade.

The top of the service layers: may import production, review, manuscripts, people,
publishing, store and models; never the web layers.
"""
