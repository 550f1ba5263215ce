"""Render a version's source audio into its profiles' files, measured.

``render`` builds each distinct *program* once (voice trimmed, chime, bed with ducking,
fades, cap, levelled to loudness and true peak) on float32 numpy arrays, encodes every output
of a program with a single ffmpeg call, then decodes and measures each file it wrote.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import ffmpeg, waveform
from .encoding import encode_margin_db, encoder_gain_db
from .errors import (
    MissingAssetError,
    ProductionError,
    ProfileError,
    SilentAudioError,
    TooShortError,
)
from .loudness import gain_to_db
from .measure import Measurement, file_digest, measure_file
from .pcm import RATE, read_mono
from .process import (
    fade,
    level_to_target,
    loudness,
    mix_bed,
    normalise,
    resample,
)
from .profiles import DEFAULT_PROFILES, Profile
from .source import PcmSource

MIN_VOICE_S = 0.5
MAX_ENCODE_RETRIES = 2


@dataclass(frozen=True)
class RenderAssets:
    """Stock sounds a render may need: any format ffmpeg reads."""

    chime: Path | None = None
    bed: Path | None = None


@dataclass(frozen=True)
class RenderedFile:
    """One output: its profile, the temporary file, MIME type, measurements and warnings."""

    profile: str
    path: Path
    mime: str
    extension: str
    measurement: Measurement
    warnings: tuple[str, ...] = ()


@dataclass
class _Program:
    samples: np.ndarray  # float32 mono
    rate: int
    warnings: list[str]
    lufs: float = -math.inf  # as levelled


def resolve_profiles(
    profiles: Sequence[Profile | str], available: Mapping[str, Profile] | None = None
) -> list[Profile]:
    known = dict(DEFAULT_PROFILES if available is None else available)
    out = []
    for item in profiles:
        if isinstance(item, Profile):
            known.setdefault(item.name, item)
            out.append(item)
        elif item in known:
            out.append(known[item])
        else:
            raise ProfileError(f"Unknown profile {item!r}.", details={"profile": item})
    return out


def render(
    source_wav_path: str | Path,
    profiles: Sequence[Profile | str],
    assets: RenderAssets | None = None,
    *,
    workdir: str | Path | None = None,
    available: Mapping[str, Profile] | None = None,
) -> list[RenderedFile]:
    """Render ``source_wav_path`` (any audio; a 44.1 kHz 16-bit WAV is read fastest) into
    ``profiles`` (objects, or names looked up in ``available``/the defaults).

    Files are written to ``workdir`` (a new temporary directory by default) and belong to the
    caller, who stores and then deletes them (see :func:`discard`). On error nothing is left.
    """
    wanted = resolve_profiles(profiles, available)
    lookup = {p.name: p for p in (*(available or DEFAULT_PROFILES).values(), *wanted)}
    own_dir = workdir is None
    out_dir = Path(tempfile.mkdtemp(prefix="am-render-")) if own_dir else Path(workdir)
    written: list[Path] = []
    try:
        job = _RenderJob(Path(source_wav_path), lookup, assets or RenderAssets(), out_dir)
        results = job.run(wanted, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if own_dir:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return results


def discard(files: Sequence[RenderedFile]) -> None:
    """Delete rendered files (and their directory when it is left empty)."""
    for item in files:
        item.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            item.path.parent.rmdir()


class _RenderJob:
    def __init__(
        self, source: Path, lookup: Mapping[str, Profile], assets: RenderAssets, out_dir: Path
    ) -> None:
        self.source = source
        self.lookup = lookup
        self.assets = assets
        self.out_dir = out_dir
        self._source: PcmSource | None = None  # opened on first use, read in chunks
        self._programs: dict[tuple[object, ...], _Program] = {}

    # --- programs ---------------------------------------------------------------------------

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

    def program(self, profile: Profile, chain: tuple[str, ...] = ()) -> _Program:
        key = (profile.program_key(),)
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

    def _derive(self, profile: Profile, chain: tuple[str, ...]) -> tuple[_Program, bool]:
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
        return _Program(samples, profile.sample_rate, list(base.warnings)), False

    def _build(self, profile: Profile) -> _Program:
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
        return _Program(out, rate, warnings)

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

    # --- outputs ----------------------------------------------------------------------------

    def run(self, wanted: Sequence[Profile], written: list[Path]) -> list[RenderedFile]:
        groups: dict[tuple[object, ...], list[Profile]] = {}
        for profile in wanted:
            groups.setdefault((profile.program_key(),), []).append(profile)
        # Groups made from the same program run one after the other, so each program can be
        # released before the next is built (a ten-minute program is 100 MB of float32).
        roots = [self._program_chain(m[0])[-1] for m in groups.values()]
        first_seen = {root: roots.index(root) for root in roots}
        ordered = sorted(zip(roots, groups.values(), strict=True), key=lambda r: first_seen[r[0]])
        groups = {(m[0].program_key(),): m for _, m in ordered}
        needs = [set(self._program_chain(members[0])) for members in groups.values()]
        results: dict[str, RenderedFile] = {}
        try:
            for index, members in enumerate(groups.values()):
                audio = [p for p in members if p.kind == "audio"]
                program = self.program(members[0])
                for profile in members:
                    if profile.kind == "waveform":
                        results[profile.name] = self._waveform(profile, program, written)
                if audio:
                    for item in self._encode(audio, program, written):
                        results[item.profile] = item
                # Let go of programs no later group is made from (a long one is 100+ MB).
                later = set().union(*needs[index + 1 :])
                for key in [k for k in self._programs if k not in later]:
                    del self._programs[key]
                del program
        finally:
            if self._source is not None:
                self._source.close()
        return [results[p.name] for p in wanted]

    def _program_chain(self, profile: Profile) -> list[tuple[object, ...]]:
        """Cache keys of the program of ``profile``, then of each program it is made from."""
        keys: list[tuple[object, ...]] = []
        current: Profile | None = profile
        while current is not None and (current.program_key(),) not in keys:
            keys.append((current.program_key(),))
            current = self.lookup.get(current.source) if current.source else None
        return keys

    def _waveform(self, profile: Profile, program: _Program, written: list[Path]) -> RenderedFile:
        path = self.out_dir / f"{profile.name}.json"
        written.append(path)
        waveform.write_peaks(path, program.samples, program.rate, profile.waveform_points)
        size, sha256 = file_digest(path)
        return RenderedFile(
            profile=profile.name,
            path=path,
            mime=profile.mime,
            extension=profile.extension,
            measurement=Measurement(
                size=size, sha256=sha256, duration_s=len(program.samples) / program.rate
            ),
            warnings=tuple(program.warnings),
        )

    def _encode(
        self, profiles: list[Profile], program: _Program, written: list[Path]
    ) -> list[RenderedFile]:
        """Encode, measure, and encode again (lower) any output over its true-peak ceiling.

        All outputs of a program come from one ffmpeg call; each gets a ``volume`` filter that
        cancels its encoder's known level change (the program itself is never modified, so
        other profiles made from it are unaffected and renders stay deterministic).
        """
        paths = {p.name: self.out_dir / f"{p.name}.{p.extension}" for p in profiles}
        written.extend(paths.values())
        gains = {p.name: round(-encoder_gain_db(p), 2) for p in profiles}
        pending = list(profiles)
        done: list[RenderedFile] = []
        for attempt in range(MAX_ENCODE_RETRIES + 1):
            outputs = []
            for profile in pending:
                volume = gains[profile.name]
                args = ["-af", f"volume={volume:.2f}dB"] if volume else []
                outputs.append(([*args, *profile.encoder_args()], paths[profile.name]))
            ffmpeg.encode_pcm(program.samples, program.rate, outputs)
            retry: list[Profile] = []
            for profile in pending:
                measured = measure_file(paths[profile.name])
                excess = (measured.true_peak_dbtp or -math.inf) - profile.true_peak_dbtp
                if excess > 0 and attempt < MAX_ENCODE_RETRIES:
                    gains[profile.name] = round(gains[profile.name] - excess - 0.1, 2)
                    retry.append(profile)
                    continue
                done.append(
                    RenderedFile(
                        profile=profile.name,
                        path=paths[profile.name],
                        mime=profile.mime,
                        extension=profile.extension,
                        measurement=measured,
                        warnings=tuple(program.warnings),
                    )
                )
            if not retry:
                break
            pending = retry
        return done


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


__all__ = [
    "ProductionError",
    "RenderAssets",
    "RenderedFile",
    "discard",
    "render",
    "resolve_profiles",
]
