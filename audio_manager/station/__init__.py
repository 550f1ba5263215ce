"""The station agent: the commune's broadcast PC plays its schedule on time by itself.

``python -m audio_manager.station setup|sync|run|status`` keeps a verified cache of what the
station must play, plays each item at its minute through the sound card even with the internet
down, and reports every play exactly once when the server can be reached.

This package imports nothing of Flask, SQLAlchemy or the server's audio stack: it talks to the
server only through the public JSON API, keeps its state in one folder (settings, an SQLite
queue, the audio cache), and needs only the standard library plus ``miniaudio`` (decoding and
sound output, wheels with their own native code for Windows and Linux). The server serves it as
a small wheel (see the README's "Station agent").

When the agent changes, raise ``__version__`` (and the README's install line, which a test
compares): pip installs a new wheel only under a new version.
"""

__version__ = "1.0.0"
