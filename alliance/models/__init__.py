"""The SQLAlchemy models, one module per area; import them from here.

core: organisations, people, tokens, books, members, chapters, audit events.
Each area that adds tables adds its module and one import line below.
"""
from .core import (ApiToken, AuditEvent, Book, BookMember, BookRole, Chapter,  # noqa: F401
                   ChapterState, Organization, OrgKind, PushedCommit, User,
                   chapter_assignee, utcnow)
from .review import (Comment, Notification, ReviewerSeen, ReviewPolicy,  # noqa: F401
                     ReviewStage, Transition)
from . import search as _search  # noqa: F401  (the FTS5 index's DDL hooks)
from .publishing import *  # noqa: F401,F403  (issue 6: export jobs, editions)
from .agreements import *  # noqa: F401,F403  (issue 7: agreements, deliveries)
