"""People: organisations and accounts (passwords, tokens, sessions), permissions
(every can_... predicate in one place), login throttling and the audit log.

The bottom of the service layers: may import publishing, store and models only.
"""
