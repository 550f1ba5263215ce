"""Stored audio: content-addressed assets and the storage and profiles behind them, render jobs'
work, stock sounds, and the translated messages of production errors.
May import: the services kernel, ``accounts``, ``areas``, models, ``production``, ``storage``."""
