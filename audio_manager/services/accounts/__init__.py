"""Users, roles, area scopes, passwords, login throttling, and API tokens with their cache.
May import: the services kernel, models, ``lru``, ``languages``."""
