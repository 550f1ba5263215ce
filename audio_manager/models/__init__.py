"""All models, imported here so Alembic and the app see every table."""

from .accounts import ApiToken, ApprovalLanguage, Role, User, UserArea, UserRole
from .areas import Area, AreaLanguage
from .audio import Asset, JobStatus, RenderJob, Rendition, StockSound
from .audit import AuditEvent
from .messages import BulletinPart, Message, Priority, SourceKind, Variant, Version, VersionStatus

__all__ = [
    "ApiToken",
    "ApprovalLanguage",
    "Area",
    "AreaLanguage",
    "Asset",
    "AuditEvent",
    "BulletinPart",
    "JobStatus",
    "Message",
    "Priority",
    "RenderJob",
    "Rendition",
    "Role",
    "SourceKind",
    "StockSound",
    "User",
    "UserArea",
    "UserRole",
    "Variant",
    "Version",
    "VersionStatus",
]
