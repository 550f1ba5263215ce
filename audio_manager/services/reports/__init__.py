"""Broadcast counts and compliance, where they are counted (roll-ups or events), and exports.
May import: the kernel, ``accounts`` to ``broadcast``, models, ``scheduling``."""
