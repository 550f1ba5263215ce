"""Speech: the engines an office contracts (keys kept encrypted), per-language preferences, the
text normaliser's lexicons, what the voice will read, synthesis with fallback and the clip cache
that never pays for the same request twice, monthly usage, and voice samples.
May import: the services kernel, ``accounts``, ``areas``, ``audio``, models, ``production``."""
