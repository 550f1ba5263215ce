"""Audio production: speech engines, upload decoding, processing, renditions, measurement.

Pure library code (no Flask, no database): plain arguments in, dataclasses out. Errors are
:class:`~audio_manager.production.errors.ProductionError` subclasses with a stable ``code``.

Nothing is imported here: import from the modules themselves
(``from audio_manager.production.render import render``), so that a web worker that only
serves pages and playlists never loads numpy, scipy or pyloudnorm.
"""
