"""All models, imported here so Alembic and the app see every table."""

from .accounts import ApiToken, Role, User, UserArea, UserRole
from .areas import Area, AreaLanguage
from .audit import AuditEvent

__all__ = [
    "ApiToken",
    "Area",
    "AreaLanguage",
    "AuditEvent",
    "Role",
    "User",
    "UserArea",
    "UserRole",
]
