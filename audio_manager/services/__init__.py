"""Domain rules. Services take plain values and an ``Actor``; they never read ``flask.request``."""
