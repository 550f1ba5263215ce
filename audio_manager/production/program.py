"""Programs: the signal a profile is encoded from, built once and shared.

A program is the voice (trimmed), maybe a chime before it, maybe a bed ducked under it, with
lead-in, fades and the length cap, levelled to the profile's loudness and true-peak ceiling
(minus the encoder's headroom). Profiles with ``source`` take another profile's program and
re-level it (e.g. telephony at 8 kHz from the ringback mix).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .encoding import encode_margin_db
from .errors import MissingAssetError, ProfileError, SilentAudioError, TooShortError
from .loudness import gain_to_db
from .pcm import RATE, read_mono
from .process import fade, level_to_target, loudness, mix_bed, normalise, resample
from .profiles import Profile
from .source import PcmSource

MIN_VOICE_S = 0.5

ProgramKey = tuple[object, ...]


@dataclass(frozen=True)
class RenderAssets:
    """Stock sounds a render may need (any format ffmpeg reads), and for videos what goes on
    screen (a :class:`~audio_manager.production.social.video.SocialSpec`)."""

    chime: Path | None = None
    bed: Path | None = None
    social: Any = None


@dataclass
class Program:
    samples: np.ndarray  # float32 mono
    rate: int
    warnings: list[str] = field(default_factory=list)
    lufs: float = -math.inf  # as levelled
    source_offset_s: float = 0.0  # program time of the source's time 0 (captions follow it)


def program_key(profile: Profile) -> ProgramKey:
    return (profile.program_key(),)


class ProgramBuilder:
    """Builds and caches the programs of one render; close it to remove temporary files."""

    def __init__(self, source: Path, lookup: Mapping[str, Profile], assets: RenderAssets) -> None:
        self.source = source
        self.lookup = lookup
        self.assets = assets
        self._source: PcmSource | None = None  # opened on first use, read in chunks
        self._programs: dict[ProgramKey, Program] = {}

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        self._programs.clear()

    def release(self, keep: set[ProgramKey]) -> None:
        """Forget every cached program not in ``keep`` (a long one is 100+ MB)."""
        for key in [k for k in self._programs if k not in keep]:
            del self._programs[key]

    def chain(self, profile: Profile) -> list[ProgramKey]:
        """Keys of the program of ``profile``, then of each program it is made from."""
        keys: list[ProgramKey] = []
        current: Profile | None = profile
        while current is not None and program_key(current) not in keys:
            keys.append(program_key(current))
            current = self.lookup.get(current.source) if current.source else None
        return keys

    def voice(self, trim: bool) -> tuple[int, int]:
        """``(start, end)`` of the voice in the source, trimmed or not."""
        if self._source is None:
            self._source = PcmSource(self.source, RATE)
        start, end = self._source.bounds() if trim else (0, self._source.frames)
        if end <= start:
            raise SilentAudioError("The recording is silent: there is nothing to render.")
        if (end - start) / RATE < MIN_VOICE_S:
            raise TooShortError(
                f"The recording is shorter than {MIN_VOICE_S:g} s once silence is removed.",
                details={"min_s": MIN_VOICE_S},
            )
        return start, end

    def program(self, profile: Profile, chain: tuple[str, ...] = ()) -> Program:
        key = program_key(profile)
        if key in self._programs:
            return self._programs[key]
        shared = False
        if profile.source is not None:
            built, shared = self._derive(profile, chain)
        else:
            built = self._build(profile)
        if profile.kind == "audio" and not shared:
            built.lufs, _ = level_to_target(
                built.samples,
                built.rate,
                profile.loudness_lufs,
                profile.true_peak_dbtp - encode_margin_db(profile),
            )
        self._programs[key] = built
        return built

    def _derive(self, profile: Profile, chain: tuple[str, ...]) -> tuple[Program, bool]:
        """A program made from another profile's: shared as is (True) when nothing changes."""
        if profile.source in chain or profile.source == profile.name:
            raise ProfileError(f"Profiles refer to each other: {' > '.join(chain)}.")
        parent = self.lookup.get(profile.source or "")
        if parent is None:
            raise ProfileError(f"Unknown source profile {profile.source!r}.")
        base = self.program(parent, (*chain, profile.name))
        same_levels = (
            profile.loudness_lufs == parent.loudness_lufs
            and profile.true_peak_dbtp - encode_margin_db(profile)
            >= parent.true_peak_dbtp - encode_margin_db(parent)
        )
        if profile.kind == "waveform" or (profile.sample_rate == base.rate and same_levels):
            return base, True
        samples = resample(base.samples, base.rate, profile.sample_rate)
        if samples is base.samples:
            samples = samples.copy()
        derived = Program(samples, profile.sample_rate, list(base.warnings))
        derived.source_offset_s = base.source_offset_s
        return derived, False

    def _build(self, profile: Profile) -> Program:
        voice_start, voice_end = self.voice(profile.trim_silence)
        voice_total = voice_end - voice_start
        warnings: list[str] = []
        rate = RATE
        lead, tail = _n(profile.lead_in_s), _n(profile.tail_s)
        intro = _n(profile.bed_intro_s) if profile.bed else 0
        outro = _n(profile.bed_outro_s) if profile.bed else 0
        prefix = np.zeros(0, np.float32)
        if profile.chime:
            prefix = self._chime(profile)
        body_len = len(prefix) + intro + voice_total + outro
        if profile.max_duration_s is not None:
            room = _n(profile.max_duration_s) - lead - tail
            if room < _n(MIN_VOICE_S) + len(prefix) + intro:
                raise ProfileError(f"Profile {profile.name!r} leaves no room for the voice.")
            if body_len > room:
                voice_room = room - len(prefix) - intro
                if voice_room < voice_total:
                    cut_at = voice_room / rate
                    warnings.append(
                        f"The voice was cut at {cut_at:.1f} s to fit the "
                        f"{profile.max_duration_s:g} s limit of {profile.name}."
                    )
                body_len = room
        total = lead + body_len + tail
        out = np.zeros(total, dtype=np.float32)
        body = out[lead : lead + body_len]
        body[: len(prefix)] = prefix
        voice_at = len(prefix) + intro
        voice_len = min(voice_total, body_len - voice_at)
        target = out[lead + voice_at : lead + voice_at + voice_len]
        assert self._source is not None
        self._source.read_into(target, voice_start)
        if profile.loudness_lufs is not None:
            normalise(target, rate, profile.loudness_lufs)
        if profile.bed:
            bed = self._asset("bed", self.assets.bed)
            voice_lufs = profile.loudness_lufs
            if voice_lufs is None:
                voice_lufs = loudness(target, rate)
            mixed = mix_bed(
                body[len(prefix) :],
                bed,
                rate,
                voice_lufs=voice_lufs,
                under_db=profile.bed_under_db,
                idle_db=profile.bed_idle_db,
            )
            body[len(prefix) :] = mixed
        fade(body, rate, profile.fade_in_s, profile.fade_out_s)
        offset = (lead + voice_at - voice_start) / rate
        return Program(out, rate, warnings, source_offset_s=offset)

    def _chime(self, profile: Profile) -> np.ndarray:
        chime = self._asset("chime", self.assets.chime).copy()
        if profile.loudness_lufs is not None:
            normalise(chime, RATE, profile.loudness_lufs + profile.chime_gain_db)
        gap = np.zeros(_n(profile.chime_gap_s), np.float32)
        return np.concatenate([chime, gap])

    def _asset(self, kind: str, path: Path | None) -> np.ndarray:
        if path is None:
            raise MissingAssetError(
                f"This profile needs a {kind} sound: choose one, or generate the stock sounds.",
                details={"asset": kind},
            )
        path = Path(path)
        try:
            stat = path.stat()
        except OSError as exc:
            raise MissingAssetError(
                f"The {kind} sound file is missing.", details={"asset": kind}
            ) from exc
        return _load_asset(os.fspath(path), stat.st_mtime_ns, stat.st_size)


def _n(seconds: float) -> int:
    return round(seconds * RATE)


@functools.lru_cache(maxsize=8)
def _load_asset(path: str, mtime_ns: int, size: int) -> np.ndarray:
    """Decoded stock sound (mono float32, 44.1 kHz), cached by path, mtime and size."""
    del mtime_ns, size  # part of the cache key only
    samples = read_mono(path, RATE)
    if not len(samples) or gain_to_db(float(np.abs(samples).max())) < -60:
        raise MissingAssetError("The stock sound is empty or silent.", details={"path": path})
    samples.setflags(write=False)
    return samples
