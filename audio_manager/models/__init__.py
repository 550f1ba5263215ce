"""All models, imported here so Alembic and the app see every table."""

from .accounts import ApiToken, ApprovalLanguage, LoginSession, Role, User, UserArea, UserRole
from .areas import Area, AreaLanguage
from .audio import (
    Asset,
    BrandImage,
    JobStatus,
    OutboxEntry,
    RenderJob,
    Rendition,
    StockSound,
    record_outbox,
)
from .audit import AuditEvent
from .cap import CapAlert, CapInbound, CapSettings, CapSource, CapSourceKind
from .data_versions import DataVersion, PlaylistScope
from .messages import (
    BulletinPart,
    Message,
    Priority,
    SourceKind,
    Variant,
    Version,
    VersionContributor,
    VersionStatus,
)
from .play_counts import HamletPlayCount, PlayCount
from .plays import PlayEvent
from .ringback import (
    Carrier,
    ImportStatus,
    Install,
    InstallImport,
    InstallImportRow,
    InstallTarget,
    KeyFingerprint,
    ReleaseStatus,
    RingbackRelease,
)
from .schedules import Schedule, ScheduleTarget
from .speech import LexiconEntry, SpeechClip, SpeechLanguageSetting, SpeechProvider, SpeechUsage
from .stations import Station

__all__ = [
    "ApiToken",
    "ApprovalLanguage",
    "Area",
    "AreaLanguage",
    "Asset",
    "AuditEvent",
    "BrandImage",
    "BulletinPart",
    "CapAlert",
    "CapInbound",
    "CapSettings",
    "CapSource",
    "CapSourceKind",
    "Carrier",
    "DataVersion",
    "HamletPlayCount",
    "ImportStatus",
    "Install",
    "InstallImport",
    "InstallImportRow",
    "InstallTarget",
    "JobStatus",
    "KeyFingerprint",
    "LexiconEntry",
    "LoginSession",
    "Message",
    "OutboxEntry",
    "PlayCount",
    "PlayEvent",
    "PlaylistScope",
    "Priority",
    "ReleaseStatus",
    "RenderJob",
    "Rendition",
    "RingbackRelease",
    "Role",
    "Schedule",
    "ScheduleTarget",
    "SourceKind",
    "SpeechClip",
    "SpeechLanguageSetting",
    "SpeechProvider",
    "SpeechUsage",
    "Station",
    "StockSound",
    "User",
    "UserArea",
    "UserRole",
    "Variant",
    "Version",
    "VersionContributor",
    "VersionStatus",
    "record_outbox",
]
