"""Treehole settings, read from the environment (12-factor, via django-environ), one module per area.

Two modes share these modules:
- embedded (the default, ``make run``): SQLite, an in-process Redis (fakeredis, with Lua) and the
  in-memory channel layer, so a newcomer needs nothing installed;
- real: ``DATABASE_URL`` / ``REDIS_URL`` point at MariaDB/MySQL and Redis (tests, compose, prod).
Every setting a deployer may want to change is listed in the README's table. Later modules may
read earlier ones (imported explicitly), never the other way round.
"""

from .base import *  # noqa: F401,F403
from .database import *  # noqa: F401,F403
from .redis import *  # noqa: F401,F403
from .accounts import *  # noqa: F401,F403
from .limits import *  # noqa: F401,F403
from .email import *  # noqa: F401,F403
from .ratelimits import *  # noqa: F401,F403
from .notes import *  # noqa: F401,F403
from .search import *  # noqa: F401,F403
from .comments import *  # noqa: F401,F403
from .websocket import *  # noqa: F401,F403
from .chat import *  # noqa: F401,F403
from .uploads import *  # noqa: F401,F403
from .security import *  # noqa: F401,F403
from .moderation import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
