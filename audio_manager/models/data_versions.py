"""Version numbers of derived data, kept by the database itself."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DataVersion(db.Model):
    """A number that changes whenever the rows some derived data is computed from change.

    Triggers on the source tables (migration 0005) move it on in the same transaction as the
    change, so a cache keyed by it is never stale, whichever code path (or process) wrote. A
    row is created at a random number, so a version never repeats even when the table is
    emptied. ``playlists`` covers areas, area languages, messages, variants, versions, assets,
    renditions, schedules and schedule targets.
    """

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class PlaylistScope(db.Model):
    """A version number per province (``p<area id>``) and per message (``m<message id>``).

    Triggers (migration 0011) move it on with any change to the areas and schedules of the
    province, or to the message, its variants, versions, renditions and assets, so a playlist's
    validator can be computed from the few scopes it is made of, without building it.
    """

    __tablename__ = "playlist_scopes"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
