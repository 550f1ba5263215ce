"""Messages and their versions: creating them (speech, uploads, bulletins), the approval workflow,
script diffs. May import: the kernel, ``accounts``, ``areas``, ``audio``, models, ``production``."""
