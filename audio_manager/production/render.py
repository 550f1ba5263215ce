"""Render a version's source audio into its profiles' files, measured.

``render`` builds each distinct *program* once (see :mod:`.program`), encodes every output
of a program with a single ffmpeg call, then decodes and measures each file it wrote.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import ffmpeg, waveform
from .encoding import encoder_gain_db
from .errors import ProfileError
from .measure import Measurement, file_digest, measure_file
from .profiles import DEFAULT_PROFILES, Profile
from .program import Program, ProgramBuilder, RenderAssets, program_key

MAX_ENCODE_RETRIES = 2


@dataclass(frozen=True)
class RenderedFile:
    """One output: its profile, the temporary file, MIME type, measurements and warnings."""

    profile: str
    path: Path
    mime: str
    extension: str
    measurement: Measurement
    warnings: tuple[str, ...] = ()


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
        self.builder = ProgramBuilder(source, lookup, assets)
        self.assets = assets
        self.out_dir = out_dir

    def run(self, wanted: Sequence[Profile], written: list[Path]) -> list[RenderedFile]:
        groups: dict[tuple[object, ...], list[Profile]] = {}
        for profile in wanted:
            groups.setdefault(program_key(profile), []).append(profile)
        # Groups made from the same program run one after the other, so each program can be
        # released before the next is built (a ten-minute program is 100 MB of float32).
        roots = [self.builder.chain(m[0])[-1] for m in groups.values()]
        first_seen = {root: roots.index(root) for root in roots}
        ordered = sorted(zip(roots, groups.values(), strict=True), key=lambda r: first_seen[r[0]])
        needs = [set(self.builder.chain(members[0])) for _, members in ordered]
        results: dict[str, RenderedFile] = {}
        try:
            for index, (_, members) in enumerate(ordered):
                program = self.builder.program(members[0])
                for profile in members:
                    if profile.kind == "waveform":
                        results[profile.name] = self._waveform(profile, program, written)
                audio = [p for p in members if p.kind == "audio"]
                if audio:
                    for item in self._encode(audio, program, written):
                        results[item.profile] = item
                video = [p for p in members if p.kind == "video"]
                if video:
                    for item in self._videos(video, program, written):
                        results[item.profile] = item
                del program
                self.builder.release(set().union(*needs[index + 1 :]))
        finally:
            self.builder.close()
        extra = [r for name, r in results.items() if name not in {p.name for p in wanted}]
        return [results[p.name] for p in wanted] + extra

    def _waveform(self, profile: Profile, program: Program, written: list[Path]) -> RenderedFile:
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

    def _videos(
        self, profiles: list[Profile], program: Program, written: list[Path]
    ) -> list[RenderedFile]:
        """The social videos, and their caption files (``captions_srt``, ``captions_vtt``)."""
        from .social.video import SocialSpec, render_social

        spec = self.assets.social or SocialSpec(title="")
        files = render_social(
            profiles, program.samples, program.rate, program.source_offset_s, spec,
            self.out_dir, written,
        )  # fmt: skip
        out = []
        for item in files:
            measured = measure_file(item.path) if item.mime == "video/mp4" else None
            if measured is None:
                size, sha256 = file_digest(item.path)
                measured = Measurement(size=size, sha256=sha256)
            warnings = tuple(program.warnings)
            out.append(
                RenderedFile(item.profile, item.path, item.mime, item.extension, measured, warnings)
            )
        return out

    def _encode(
        self, profiles: list[Profile], program: Program, written: list[Path]
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


__all__ = ["RenderAssets", "RenderedFile", "discard", "render", "resolve_profiles"]
