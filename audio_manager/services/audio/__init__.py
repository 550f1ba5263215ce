"""Audio as stored assets: storage and profiles, render jobs' work, stock sounds, error texts.
May import: the services kernel, ``accounts``, ``areas``, models, ``production``, ``storage``."""
