"""Schedules and their preview, playlists derived from them, confirmed plays and their daily
roll-ups. May import: the kernel, ``accounts`` to ``messages``, models, ``scheduling``, ``bulk``."""
