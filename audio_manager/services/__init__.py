"""Domain rules, one subpackage per domain; services take plain values and an ``Actor`` and never
read ``flask.request``.

Layers, lowest first: the kernel here (``context``, ``errors``, ``audit``, ``data_versions``,
``tables``, ``spreadsheets``, ``uploads``), then ``accounts``, ``areas``, ``audio``, ``speech``,
``messages``, ``broadcast``, ``reports``, ``ringback``, ``cap``. A package imports the kernel,
the packages before it, and below the services (``models``, ``production``, ``storage``,
``scheduling``, ``bulk``, ``lru``, ``languages``, ``capxml``) — never a later package, nor
``web``, ``api``, ``cli`` or ``jobs`` (``tests/test_layout.py`` checks it).
"""
