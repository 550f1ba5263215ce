"""Rendition profiles as data: built from plain dicts so deployments can add their own.

A profile describes a *program* (how the signal is built: trimming, lead-in, chime, bed,
fades, length cap, loudness and true-peak targets, sample rate) and an *encoding* (format,
codec, bitrate). Profiles whose programs are identical share one signal and one ffmpeg call.
A profile with ``source`` set takes another profile's finished program (e.g. telephony is
made from the ringback mix) and only re-levels and re-encodes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ProfileError


@dataclass(frozen=True)
class Codec:
    """How a codec name maps onto ffmpeg arguments, a file extension and a MIME type."""

    name: str
    encoder: str
    muxer: str
    extension: str
    mime: str
    lossy: bool


CODECS: dict[str, Codec] = {
    c.name: c
    for c in (
        Codec("mp3", "libmp3lame", "mp3", "mp3", "audio/mpeg", True),
        Codec("aac", "aac", "ipod", "m4a", "audio/mp4", True),
        Codec("opus", "libopus", "ogg", "ogg", "audio/ogg", True),
        Codec("pcm_s16le", "pcm_s16le", "wav", "wav", "audio/wav", False),
        Codec("pcm_alaw", "pcm_alaw", "wav", "wav", "audio/wav", False),
        Codec("pcm_mulaw", "pcm_mulaw", "wav", "wav", "audio/wav", False),
    )
}

KINDS = ("audio", "waveform", "video")
VIDEO_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")


@dataclass(frozen=True)
class Profile:
    """One rendition target. Times are seconds, levels dB/LUFS/dBTP."""

    name: str
    kind: str = "audio"  # "audio", "waveform" (JSON peaks) or "video" (MP4, see .social)
    description: str = ""
    # encoding
    codec: str = "mp3"
    bitrate_kbps: int | None = 128
    sample_rate: int = 44100
    # levels
    loudness_lufs: float | None = -16.0
    true_peak_dbtp: float = -1.0
    # program
    source: str | None = None  # build from this profile's program instead of the voice
    trim_silence: bool = True
    lead_in_s: float = 0.0
    tail_s: float = 0.0
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    max_duration_s: float | None = None
    chime: bool = False
    chime_gap_s: float = 0.5
    chime_gain_db: float = -3.0  # chime loudness relative to the target
    bed: bool = False
    bed_under_db: float = -20.0  # bed loudness relative to the voice while it speaks
    bed_idle_db: float = -12.0  # ... and where nobody speaks
    bed_intro_s: float = 1.0  # bed alone before the voice
    bed_outro_s: float = 1.5  # bed alone after the voice
    # waveform
    waveform_points: int = 1000
    # video (kind "video": H.264 + the codec above, in MP4)
    width: int = 1080
    height: int = 1080
    fps: int = 25
    video_crf: int = 23  # x264 constant quality: lower is better and bigger
    video_preset: str = "veryfast"
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ProfileError(
                f"Profile {self.name!r} is invalid: {'; '.join(problems)}.",
                details={"profile": self.name, "problems": problems},
            )

    def _problems(self) -> list[str]:
        out = []
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            out.append("name must be letters, digits, '-' or '_'")
        if self.kind not in KINDS:
            out.append(f"kind must be one of {', '.join(KINDS)}")
        if self.kind == "audio" and self.codec not in CODECS:
            out.append(f"codec must be one of {', '.join(CODECS)}")
        if not 8000 <= self.sample_rate <= 48000:
            out.append("sample_rate must be between 8000 and 48000")
        if self.bitrate_kbps is not None and not 8 <= self.bitrate_kbps <= 320:
            out.append("bitrate_kbps must be between 8 and 320")
        if self.loudness_lufs is not None and not -40 <= self.loudness_lufs <= -5:
            out.append("loudness_lufs must be between -40 and -5")
        if not -12 <= self.true_peak_dbtp <= 0:
            out.append("true_peak_dbtp must be between -12 and 0")
        for name in ("lead_in_s", "tail_s", "fade_in_s", "fade_out_s", "chime_gap_s",
                     "bed_intro_s", "bed_outro_s"):  # fmt: skip
            if not 0 <= getattr(self, name) <= 30:
                out.append(f"{name} must be between 0 and 30")
        if self.max_duration_s is not None and not 1 <= self.max_duration_s <= 3600:
            out.append("max_duration_s must be between 1 and 3600")
        if self.kind == "video":
            out += self._video_problems()
        if not 10 <= self.waveform_points <= 100_000:
            out.append("waveform_points must be between 10 and 100000")
        if self.source == self.name:
            out.append("source cannot be the profile itself")
        return out

    def _video_problems(self) -> list[str]:
        out = []
        for name in ("width", "height"):
            value = getattr(self, name)
            if not 64 <= value <= 3840 or value % 2:
                out.append(f"{name} must be an even number between 64 and 3840")
        if not 1 <= self.fps <= 60:
            out.append("fps must be between 1 and 60")
        if not 0 <= self.video_crf <= 51:
            out.append("video_crf must be between 0 and 51")
        if self.video_preset not in VIDEO_PRESETS:
            out.append(f"video_preset must be one of {', '.join(VIDEO_PRESETS)}")
        if self.codec != "aac":
            out.append("a video's codec must be aac")
        return out

    @property
    def codec_info(self) -> Codec:
        return CODECS[self.codec]

    @property
    def mime(self) -> str:
        if self.kind == "video":
            return "video/mp4"
        return "application/json" if self.kind == "waveform" else self.codec_info.mime

    @property
    def extension(self) -> str:
        if self.kind == "video":
            return "mp4"
        return "json" if self.kind == "waveform" else self.codec_info.extension

    def program_key(self) -> tuple[Any, ...]:
        """Everything that shapes the signal (not the encoding): equal keys share a program."""
        skip = {"name", "kind", "description", "codec", "bitrate_kbps", "waveform_points", "extra"}
        skip |= {"width", "height", "fps", "video_crf", "video_preset"}
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in skip)

    def encoder_args(self) -> list[str]:
        """ffmpeg output arguments for this profile (without the destination)."""
        codec = self.codec_info
        args = ["-c:a", codec.encoder, "-ar", str(self.sample_rate), "-ac", "1"]
        if codec.name == "mp3":
            # CBR with a LAME "Info" frame (exact duration, gapless trimming), no ID3 tag.
            args += ["-b:a", f"{self.bitrate_kbps or 128}k", "-id3v2_version", "0"]
        elif codec.lossy and self.bitrate_kbps:
            args += ["-b:a", f"{self.bitrate_kbps}k"]
        return [*args, "-f", codec.muxer]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, base: Mapping[str, Profile] | None = None
    ) -> Profile:
        """Build a profile from a plain dict; ``"extends": "<name>"`` copies a base profile."""
        values = dict(data)
        parent_name = values.pop("extends", None)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ProfileError(
                f"Unknown profile setting(s): {', '.join(unknown)}.",
                details={"unknown": unknown},
            )
        if parent_name is not None:
            parent = (base or DEFAULT_PROFILES).get(parent_name)
            if parent is None:
                raise ProfileError(f"Profile extends unknown profile {parent_name!r}.")
            merged = parent.to_dict()
            merged.update(values)
            values = merged
        if "name" not in values:
            raise ProfileError("A profile needs a name.")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ProfileError(f"Invalid profile: {exc}") from exc


LOUDSPEAKER = Profile(
    name="loudspeaker",
    description="Commune loudspeakers: MP3 mono 44.1 kHz 128 kbit/s CBR, -16 LUFS, -1 dBTP",
    lead_in_s=0.3,
    tail_s=0.3,
    fade_in_s=0.02,
    fade_out_s=0.05,
)
PREVIEW = dataclasses.replace(
    LOUDSPEAKER, name="preview", bitrate_kbps=64, description="Web player preview, MP3 64 kbit/s"
)
RINGBACK = Profile(
    name="ringback",
    description="Ringback tone: voice at -16 LUFS over a bed 20 dB under, fades, 30 s cap",
    bed=True,
    lead_in_s=0.1,
    fade_in_s=0.5,
    fade_out_s=1.0,
    max_duration_s=30.0,
)
TELEPHONY = Profile(
    name="telephony",
    description="What a caller hears: the ringback mix as WAV 8 kHz G.711 A-law",
    source="ringback",
    codec="pcm_alaw",
    bitrate_kbps=None,
    sample_rate=8000,
    trim_silence=False,
)
WAVEFORM = Profile(
    name="waveform",
    kind="waveform",
    description="Peaks for the page's waveform (min/max pairs)",
    source="loudspeaker",
    codec="pcm_s16le",
    bitrate_kbps=None,
)

SOCIAL_SQUARE = Profile(
    name="social_square",
    kind="video",
    description="Social video 1080x1080 (Facebook, Zalo): H.264 + AAC MP4, -14 LUFS, captions",
    codec="aac",
    bitrate_kbps=128,
    loudness_lufs=-14.0,
    lead_in_s=0.5,
    tail_s=0.8,
    fade_in_s=0.02,
    fade_out_s=0.05,
)
SOCIAL_VERTICAL = dataclasses.replace(
    SOCIAL_SQUARE,
    name="social_vertical",
    height=1920,
    description="Social video 1080x1920 (Reels, Shorts, Zalo Video): H.264 + AAC MP4, -14 LUFS",
)
SOCIAL_WIDE = dataclasses.replace(
    SOCIAL_SQUARE,
    name="social_wide",
    width=1920,
    description="Social video 1920x1080 (YouTube, Facebook): H.264 + AAC MP4, -14 LUFS",
)
SOCIAL_PROFILES = (SOCIAL_SQUARE, SOCIAL_VERTICAL, SOCIAL_WIDE)

DEFAULT_PROFILES: dict[str, Profile] = {
    p.name: p for p in (LOUDSPEAKER, RINGBACK, TELEPHONY, PREVIEW, WAVEFORM, *SOCIAL_PROFILES)
}


def load_profiles(
    config: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    defaults: Mapping[str, Profile] | None = None,
) -> dict[str, Profile]:
    """Default profiles overlaid with ``config`` (``{name: {setting: value}}``).

    A config entry for an existing name changes only the settings it gives; a new name may
    ``"extends"`` any profile (e.g. a carrier's ringback with a 45 s cap).
    """
    profiles = dict(DEFAULT_PROFILES if defaults is None else defaults)
    for name, settings in (config or {}).items():
        values = dict(settings)
        values.setdefault("name", name)
        if name in profiles and "extends" not in values:
            values["extends"] = name
        profiles[name] = Profile.from_dict(values, base=profiles)
    for profile in profiles.values():
        if profile.source is not None and profile.source not in profiles:
            raise ProfileError(
                f"Profile {profile.name!r} is made from unknown profile {profile.source!r}."
            )
    return profiles
