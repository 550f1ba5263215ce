"""Encoding social videos: the card or the office's image, the title, a moving waveform and
the captions burned in by libass (HarfBuzz shapes Khmer; the vendored Noto fonts draw every
script), over the program's audio, as H.264 + AAC in MP4 with the index first (+faststart).

One ffmpeg call per size. The captions are timed once per program (see :mod:`.timing`) and
written beside the videos as SRT and WebVTT.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import ffmpeg
from ..encoding import encoder_gain_db
from ..errors import FFmpegError
from ..profiles import Profile
from . import captions, timing
from .captions import Cue

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "video-fonts"
FONTS = {"vi": "Noto Sans", "zh": "Noto Sans SC", "yue": "Noto Sans SC", "km": "Noto Sans Khmer"}
CARD_COLOUR = "0x123c63"
WAVE_COLOUR = "0xffd166"
FILE_MAX_EM = 24.0  # line length of the SRT/VTT files (players wrap them again)
IMAGE_MODES = ("logo", "background")


@dataclass(frozen=True)
class CaptionPart:
    """A script and where its speech lies in the source audio (seconds). ``timings`` are the
    engine's own sentence times (source seconds), when it gave them."""

    text: str
    language: str
    start_s: float
    end_s: float
    timings: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class SocialSpec:
    """What goes on screen besides the audio. ``image_mode``: "logo" (drawn at the top of the
    card) or "background" (fills the frame, darkened)."""

    title: str
    parts: tuple[CaptionPart, ...] = ()
    image: Path | None = None
    image_mode: str = "logo"
    burn_captions: bool = True
    fonts_dir: Path = FONTS_DIR


@dataclass(frozen=True)
class SocialFile:
    profile: str
    path: Path
    mime: str
    extension: str


def font_for(text: str, language: str = "vi") -> str:
    if any("\u1780" <= c <= "\u17ff" for c in text):
        return FONTS["km"]
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        return FONTS["zh"]
    return FONTS.get(language, FONTS["vi"])


def timed_cues(
    spec: SocialSpec, pauses: Sequence[timing.Pause], offset: float, duration: float
) -> list[tuple[str, str, float, float]]:
    """(language, sentence, start, end) in program seconds for every part of the script."""
    out = []
    for part in spec.parts:
        sentences = captions.sentences(part.text)
        if not sentences:
            continue
        start = min(max(part.start_s + offset, 0.0), duration)
        end = min(max(part.end_s + offset, start), duration)
        if part.timings and len(part.timings) == len(sentences):
            times = [(s + offset, e + offset) for s, e in part.timings]
        else:
            times = timing.align([captions.weight(s) for s in sentences], pauses, start, end)
        out += [(part.language, s, a, b) for s, (a, b) in zip(sentences, times, strict=True)]
    return out


def cues(sentences: Sequence[tuple[str, str, float, float]], max_em: float) -> list[Cue]:
    out: list[Cue] = []
    for language, sentence, start, end in sentences:
        out += captions.cues_for([(sentence, start, end)], language=language, max_em=max_em)
    return out


@dataclass(frozen=True)
class Layout:
    """Where things go in a ``width`` x ``height`` frame (pixels)."""

    width: int
    height: int

    @property
    def unit(self) -> int:
        return min(self.width, self.height)

    @property
    def caption_size(self) -> int:
        return round(self.unit * 0.056)

    @property
    def title_size(self) -> int:
        return round(self.unit * 0.064)

    @property
    def text_width(self) -> int:
        return round(min(self.width * 0.88, self.height * 1.2))

    @property
    def margin(self) -> int:
        return (self.width - self.text_width) // 2

    @property
    def caption_top(self) -> int:
        """Captions stay below this line (the caption region)."""
        return round(self.height * 0.66)

    def logo_box(self) -> tuple[int, int, int]:
        """(max width, max height, top) of the logo."""
        return round(self.width * 0.5), round(self.height * 0.14), round(self.height * 0.05)

    def title_top(self, has_logo: bool) -> int:
        return round(self.height * (0.22 if has_logo else 0.1))

    def wave_box(self) -> tuple[int, int, int]:
        """(width, height, top) of the waveform."""
        height = round(self.height * 0.16) // 2 * 2
        return round(self.width * 0.84) // 2 * 2, height, round(self.height * 0.43)


def ass_script(
    layout: Layout, title: str, cue_list: Sequence[Cue], duration: float, has_logo: bool
) -> str:
    fmt = (
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"
    )
    m, pad = layout.margin, max(4, layout.caption_size // 4)
    bottom = round(layout.height * 0.07)
    styles = [
        f"Style: Title,{font_for(title)},{layout.title_size},&H00FFFFFF,&H00FFFFFF,&H00000000,"
        f"&H80000000,-1,0,0,0,100,100,0,0,1,2,1,8,{m},{m},{layout.title_top(has_logo)},1"
    ]
    for language in sorted({c.language for c in cue_list} | {"vi"}):
        styles.append(
            f"Style: Cap-{language},{FONTS.get(language, FONTS['vi'])},{layout.caption_size},"
            f"&H00FFFFFF,&H00FFFFFF,&H50000000,&H50000000,0,0,0,0,100,100,0,0,3,{pad},0,2,"
            f"{m},{m},{bottom},1"
        )
    title_lines = captions.wrap(captions.clean(title), layout.text_width / layout.title_size)[:3]
    events = [
        f"Dialogue: 1,{captions.ass_clock(0)},{captions.ass_clock(duration + 1)},Title,,0,0,0,,"
        + captions.ass_text("\n".join(title_lines))
    ]
    for cue in cue_list:
        events.append(
            f"Dialogue: 0,{captions.ass_clock(cue.start)},{captions.ass_clock(cue.end)},"
            f"Cap-{cue.language},,0,0,0,,{captions.ass_text(cue.text)}"
        )
    return "\n".join(
        [
            "[Script Info]",
            "ScriptType: v4.00+",
            f"PlayResX: {layout.width}",
            f"PlayResY: {layout.height}",
            "WrapStyle: 2",
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: TV.709",
            "",
            "[V4+ Styles]",
            fmt,
            *styles,
            "",
            "[Events]",
            "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
            *events,
            "",
        ]
    )


def video_command(
    profile: Profile, spec: SocialSpec, audio: str, rate: int, ass: str, out: str, duration: float
) -> list[str]:
    """The ffmpeg arguments (run in the work directory: ``ass``, ``fonts/``, ``audio``)."""
    layout = Layout(profile.width, profile.height)
    w, h, fps = profile.width, profile.height, profile.fps
    has_image = spec.image is not None
    inputs: list[str] = []
    graph: list[str] = []
    if has_image and spec.image_mode == "background":
        inputs += ["-loop", "1", "-framerate", str(fps), "-i", ffmpeg.path_arg(spec.image)]
        graph.append(
            f"[0:v]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,"
            "eq=brightness=-0.2:saturation=0.8,format=yuv420p[bg]"
        )
    else:
        inputs += ["-f", "lavfi", "-i", f"color=c={CARD_COLOUR}:s={w}x{h}:r={fps}"]
        band_y, band_h = round(h * 0.40), round(h * 0.22)
        graph.append(
            f"[0:v]drawbox=x=0:y={band_y}:w={w}:h={band_h}:color=white@0.06:t=fill,"
            "format=yuv420p[bg]"
        )
    base = "bg"
    has_logo = has_image and spec.image_mode == "logo"
    if has_logo:
        inputs += ["-loop", "1", "-framerate", str(fps), "-i", ffmpeg.path_arg(spec.image)]
        lw, lh, ly = layout.logo_box()
        graph.append(f"[1:v]scale=w={lw}:h={lh}:force_original_aspect_ratio=decrease[lg]")
        graph.append(f"[bg][lg]overlay=x=(W-w)/2:y={ly}:format=auto[bl]")
        base = "bl"
    audio_index = 2 if has_logo else 1
    inputs += ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", audio]
    gain = -encoder_gain_db(profile)
    ww, wh, wy = layout.wave_box()
    graph.append(f"[{audio_index}:a]volume={gain:.2f}dB,asplit=2[aout][aw]")
    graph.append(
        f"[aw]showwaves=s={ww}x{wh}:mode=cline:rate={fps}:colors={WAVE_COLOUR}:scale=sqrt:draw=full,"
        "format=rgba[wave]"
    )
    graph.append(f"[{base}][wave]overlay=x=(W-w)/2:y={wy}:shortest=1[v1]")
    graph.append(f"[v1]subtitles=filename={ass}:fontsdir=fonts,format=yuv420p[v]")
    return [
        *ffmpeg.QUIET, "-v", "error", "-y", *inputs,
        "-filter_complex", ";".join(graph),
        "-map", "[v]", "-map", "[aout]", "-t", f"{duration:.3f}",
        "-c:v", "libx264", "-preset", profile.video_preset, "-crf", str(profile.video_crf),
        "-pix_fmt", "yuv420p", "-profile:v", "high", "-r", str(fps), "-g", str(fps * 2),
        "-c:a", "aac", "-b:a", f"{profile.bitrate_kbps or 128}k", "-ar", str(profile.sample_rate),
        "-ac", "1", "-movflags", "+faststart", "-map_metadata", "-1", "-f", "mp4", out,
    ]  # fmt: skip


def _link_fonts(source: Path, dest: Path) -> None:
    dest.mkdir(exist_ok=True)
    for font in sorted(source.rglob("*.woff")) + sorted(source.rglob("*.[ot]tf")):
        target = dest / font.name
        if not target.exists():
            os.symlink(font, target)


def _run(args: list[str], cwd: Path, timeout: float) -> None:
    try:
        done = subprocess.run(
            [ffmpeg.ffmpeg_exe(), *args], cwd=cwd, capture_output=True, timeout=timeout,
            check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError("ffmpeg took too long to make the video") from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-800:]
        raise FFmpegError(f"ffmpeg could not make the video: {tail}", details={"stderr": tail})


def render_social(
    profiles: Sequence[Profile],
    samples: np.ndarray,
    rate: int,
    source_offset_s: float,
    spec: SocialSpec,
    out_dir: Path,
    written: list[Path],
    *,
    timeout: float = 3600,
) -> list[SocialFile]:
    """The videos of ``profiles`` (all made from one program) and the caption files."""
    work = out_dir / "social"
    work.mkdir(exist_ok=True)
    _link_fonts(spec.fonts_dir, work / "fonts")
    pcm = work / "program.f32"
    np.ascontiguousarray(samples, dtype="<f4").tofile(pcm)
    duration = len(samples) / rate
    pauses = timing.detect_pauses(pcm, rate, duration)
    sentences = timed_cues(spec, pauses, source_offset_s, duration)
    files: list[SocialFile] = []
    for profile in profiles:
        layout = Layout(profile.width, profile.height)
        shown = cues(sentences, layout.text_width / layout.caption_size)
        ass = f"{profile.name}.ass"
        has_logo = spec.image is not None and spec.image_mode == "logo"
        script = ass_script(
            layout, spec.title, shown if spec.burn_captions else [], duration, has_logo
        )
        (work / ass).write_text(script, encoding="utf-8")
        dest = out_dir / f"{profile.name}.mp4"
        written.append(dest)
        args = video_command(profile, spec, pcm.name, rate, ass, ffmpeg.path_arg(dest), duration)
        _run(args, work, timeout)
        files.append(SocialFile(profile.name, dest, "video/mp4", "mp4"))
    file_cues = cues(sentences, FILE_MAX_EM)
    for name, text, mime, ext in (
        ("captions_srt", captions.to_srt(file_cues), "application/x-subrip", "srt"),
        ("captions_vtt", captions.to_vtt(file_cues), "text/vtt", "vtt"),
    ):
        dest = out_dir / f"{name}.{ext}"
        written.append(dest)
        dest.write_text(text, encoding="utf-8")
        files.append(SocialFile(name, dest, mime, ext))
    for leftover in sorted(work.rglob("*"), reverse=True):
        leftover.rmdir() if leftover.is_dir() and not leftover.is_symlink() else leftover.unlink()
    work.rmdir()
    return files
