"""Production: editions, pre-publication checks (checks/), publishing agreements,
deliveries, ISBN rules and the background jobs that build files.

May import review, manuscripts, people, publishing, store and models; never ops or the
web layers.
"""
