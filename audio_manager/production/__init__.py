"""Audio production: speech engines, upload decoding, processing, renditions, measurement.

Pure library code (no Flask, no database): plain arguments in, dataclasses out. Errors are
:class:`~audio_manager.production.errors.ProductionError` subclasses with a stable ``code``.

The functions named like their modules are imported from the modules, so that the module
names stay modules: ``from audio_manager.production.render import render``,
``from audio_manager.production.measure import measure``,
``from audio_manager.production.bulletin import bulletin``.
"""

from .decode import (
    MAX_DURATION_S,
    MAX_UPLOAD_BYTES,
    DecodedAudio,
    SpooledFile,
    decode_to_wav,
    spool_stream,
)
from .engines import EngineRegistry, SpeechResult, VoiceChoice, default_registry, synthesize
from .errors import ProductionError
from .measure import Measurement
from .profiles import DEFAULT_PROFILES, Profile, load_profiles
from .render import RenderAssets, RenderedFile, discard
from .sniff import AudioKind, sniff_file

__all__ = [
    "DEFAULT_PROFILES",
    "MAX_DURATION_S",
    "MAX_UPLOAD_BYTES",
    "AudioKind",
    "DecodedAudio",
    "EngineRegistry",
    "Measurement",
    "ProductionError",
    "Profile",
    "RenderAssets",
    "RenderedFile",
    "SpeechResult",
    "SpooledFile",
    "VoiceChoice",
    "decode_to_wav",
    "default_registry",
    "discard",
    "load_profiles",
    "sniff_file",
    "spool_stream",
    "synthesize",
]
