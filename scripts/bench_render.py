#!/usr/bin/env python3
"""Benchmark rendering: N messages of ~30 s of speech into every profile.

Prints per-message wall and CPU time, messages per hour on one core, the ratio against one
hand-written ffmpeg command (loudnorm + encode, making the loudspeaker and ringback outputs
from the same input) timed in the same run, and the peak memory of a 10-minute upload
(decoded and rendered in a child process, whose max RSS is read with getrusage).

    .venv/bin/python scripts/bench_render.py [--count 20] [--seconds 30] [--cpu 0]
        [--scale-workers 1,2,4] [--scale-messages 12] [--skip-scale | --scale-only]
        [--scale-db sqlite|postgresql|both] [--pg-url postgresql://postgres@127.0.0.1:5432]

First (unpinned) the workers section: messages rendered per minute with 1, 2 and 4 RQ workers
(one process each) against one server, the CPU the rest of the machine used beside, and the
ratio of 2 workers to 1 (target >= 1.7 when nothing else runs, on 2 cores), on SQLite and on
PostgreSQL (a database the run creates and drops; the scaled deployment's); see
benchlib/render_scale. Then the process pins itself (and so its ffmpeg children) to one CPU
unless --cpu -1 is given. Targets from the issue: >= 3,000 messages/hour, ratio <= 1.5,
10-minute upload < 300 MB.
The social video line renders each video size (opt-in profiles, with burned-in captions) of
the first --social-count messages and prints seconds of video made per second of CPU (the
process and its ffmpeg children; x264 threads count in full).
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio_manager.production import ffmpeg  # noqa: E402
from audio_manager.production.pcm import RATE, read_mono, write_wav  # noqa: E402
from audio_manager.production.process import voice_bounds  # noqa: E402
from audio_manager.production.profiles import DEFAULT_PROFILES  # noqa: E402
from audio_manager.production.render import RenderAssets, discard, render  # noqa: E402
from audio_manager.production.synthetic import BEDS, chime, pad_bed, speech_like  # noqa: E402

PROFILES = [name for name, p in DEFAULT_PROFILES.items() if p.kind != "video"]
SOCIAL = [p for p in DEFAULT_PROFILES.values() if p.kind == "video"]
SOCIAL_SCRIPT = (
    "Bảo hiểm xã hội tự nguyện giúp bà con có lương hưu khi về già. "
    "Người tham gia được Nhà nước hỗ trợ một phần tiền đóng. "
    "Mọi thắc mắc xin gọi tổng đài 1900 9068. "
) * 3


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    action()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def baseline_command(source: Path, bed: Path, out_dir: Path) -> list[str]:
    """The hand-written equivalent: trim, loudnorm, lead-in; bed ducked under the voice,
    fades, 30 s cap; two MP3 128k outputs. The fade-out point is computed from the input."""
    samples = read_mono(source)
    start, end = voice_bounds(samples, RATE)
    voice_s = (end - start) / RATE
    ringback_s = min(30.0, 0.1 + 1.0 + voice_s + 1.5)
    mp3 = ["-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100", "-ac", "1"]
    trim = "silenceremove=start_periods=1:start_threshold=-50dB:start_silence=0.04"
    graph = (
        f"[0:a]{trim},areverse,{trim},areverse,asetpts=N/SR/TB,"
        "loudnorm=I=-16:TP=-1.5:LRA=11,aresample=44100,asplit=3[v1][v2][sc];"
        "[v1]adelay=300,apad=pad_dur=0.3,asetpts=N/SR/TB[ls];"
        "[v2]adelay=1100,apad=pad_dur=1.5[voice];"
        "[sc]adelay=1100,apad=pad_dur=1.5[key];"
        "[1:a]volume=-15dB[bed];"
        "[bed][key]sidechaincompress=threshold=0.01:ratio=4:attack=50:release=400[ducked];"
        "[ducked][voice]amix=inputs=2:duration=shortest:normalize=0,"
        f"atrim=end={ringback_s - 0.1:.3f},afade=t=in:d=0.5,"
        f"afade=t=out:st={ringback_s - 1.1:.3f}:d=1,adelay=100,asetpts=N/SR/TB[rb]"
    )
    return [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-v", "error", "-nostdin", "-y",
        "-i", str(source), "-stream_loop", "-1", "-i", str(bed),
        "-filter_complex", graph,
        "-map", "[ls]", *mp3, str(out_dir / "loudspeaker.mp3"),
        "-map", "[rb]", *mp3, str(out_dir / "ringback.mp3"),
    ]  # fmt: skip


def peak_rss_mb() -> tuple[float, float]:
    """(peak RSS, RSS now that is shared libraries/files) of this process, in MB.

    VmHWM from /proc is this process's own high-water mark; ``ru_maxrss`` is not usable for a
    child started with fork/exec, as it inherits the parent's figure from before the exec.
    """
    fields: dict[str, float] = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[name] = float(value.split()[0]) / 1024
    return fields.get("VmHWM", 0.0), fields.get("RssFile", 0.0)


def long_child(mp3: str) -> None:
    """Child process: decode a long upload and render every profile, then print peak RSS."""
    from audio_manager.production.decode import decode_to_wav

    assets = RenderAssets(chime=Path(os.environ["BENCH_CHIME"]), bed=Path(os.environ["BENCH_BED"]))
    wall = time.perf_counter()
    decoded = decode_to_wav(mp3, max_duration_s=700)
    files = render(decoded.path, PROFILES, assets)
    wall = time.perf_counter() - wall
    peak, shared = peak_rss_mb()
    print(f"{decoded.duration_s:.1f} {wall:.2f} {peak:.1f} {shared:.1f}")
    discard(files)
    decoded.path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to; -1 for no pinning")
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--social-count", type=int, default=2, help="messages made into videos")
    parser.add_argument("--child-long", help=argparse.SUPPRESS)
    parser.add_argument("--scale-workers", default="1,2,4")
    parser.add_argument("--scale-messages", type=int, default=12)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--scale-only", action="store_true")
    parser.add_argument("--scale-db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (no database name) for --scale-db")  # fmt: skip
    args = parser.parse_args()
    if args.child_long:
        long_child(args.child_long)
        return
    if not args.skip_scale:
        scale_section(args)
        if args.scale_only:
            return
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    pinned = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        assets = RenderAssets(
            chime=write_wav(work / "chime.wav", chime(), RATE),
            bed=write_wav(work / "bed.wav", pad_bed(BEDS[0]), RATE),
        )
        sources = [
            write_wav(work / f"msg{i}.wav", speech_like(args.seconds, RATE, seed=100 + i), RATE)
            for i in range(args.count)
        ]
        base_dir = work / "baseline"
        base_dir.mkdir()
        commands = [baseline_command(s, assets.bed, base_dir) for s in sources]  # type: ignore[arg-type]

        # Warm-up (imports, encoder calibration, page cache), not counted.
        discard(render(sources[0], PROFILES, assets))
        subprocess.run(commands[0], check=True)

        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        print(f"pinned to CPU(s) {pinned}; {args.count} messages of {args.seconds:g} s; "
              f"profiles: {', '.join(PROFILES)}")  # fmt: skip
        print(f"{'msg':>4} {'render wall':>12} {'render cpu':>11} {'ffmpeg wall':>12} "
              f"{'ffmpeg cpu':>11}")  # fmt: skip
        for i, (source, command) in enumerate(zip(sources, commands, strict=True)):
            made: list[list] = []
            ours.append(timed(lambda s=source, m=made: m.append(render(s, PROFILES, assets))))
            discard(made[0])
            theirs.append(timed(lambda c=command: subprocess.run(c, check=True)))
            print(f"{i + 1:>4} {ours[-1][0]:>11.3f}s {ours[-1][1]:>10.3f}s "
                  f"{theirs[-1][0]:>11.3f}s {theirs[-1][1]:>10.3f}s")  # fmt: skip

        mean_wall = statistics.mean(w for w, _ in ours)
        mean_cpu = statistics.mean(c for _, c in ours)
        base_wall = statistics.mean(w for w, _ in theirs)
        base_cpu = statistics.mean(c for _, c in theirs)
        print()
        median = statistics.median(w for w, _ in ours)
        print(f"render, all {len(PROFILES)} profiles: mean {mean_wall:.3f} s wall "
              f"(median {median:.3f}), {mean_cpu:.3f} s CPU")  # fmt: skip
        print(f"hand-written ffmpeg (loudspeaker + ringback): mean {base_wall:.3f} s wall, "
              f"{base_cpu:.3f} s CPU")  # fmt: skip
        print(f"messages/hour on one core: {3600 / mean_wall:,.0f} (wall), "
              f"{3600 / mean_cpu:,.0f} (CPU time)")  # fmt: skip
        print(f"ratio render / ffmpeg: {mean_wall / base_wall:.2f} (wall), "
              f"{mean_cpu / base_cpu:.2f} (CPU)")  # fmt: skip

        social_line(sources[: args.social_count], assets, work)
        if args.skip_long:
            return
        seconds = args.long_minutes * 60
        long_wav = write_wav(work / "long.wav", speech_like(seconds, RATE, seed=7), RATE)
        long_mp3 = work / "long.mp3"
        encode = [ffmpeg.ffmpeg_exe(), "-v", "error", "-y", "-i", str(long_wav),
                  "-c:a", "libmp3lame", "-b:a", "128k", str(long_mp3)]  # fmt: skip
        subprocess.run(encode, check=True)
        long_wav.unlink()
        env = dict(os.environ, BENCH_CHIME=str(assets.chime), BENCH_BED=str(assets.bed))
        out = subprocess.run(
            [sys.executable, __file__, "--child-long", str(long_mp3)],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        duration, wall, rss, shared = (float(v) for v in out[-4:])
        print(f"{duration / 60:.1f}-minute upload (MP3 {long_mp3.stat().st_size / 1e6:.1f} MB) "
              f"decoded + rendered into every profile in {wall:.1f} s: peak RSS {rss:.0f} MB "
              f"(of which ~{shared:.0f} MB shared libraries/files); ffmpeg runs as separate "
              "streaming processes")  # fmt: skip


def social_line(sources: list[Path], assets: RenderAssets, work: Path) -> None:
    """Seconds of video rendered per second of CPU, for each social size."""
    from benchlib.common import load_average

    from audio_manager.production.social.video import CaptionPart, SocialSpec

    spec = SocialSpec(
        title="Bảo hiểm xã hội tự nguyện", parts=(CaptionPart(SOCIAL_SCRIPT, "vi", 0.0, 1e9),)
    )
    social_assets = RenderAssets(chime=assets.chime, bed=assets.bed, social=spec)
    print()
    for profile in SOCIAL:
        seconds = cpu = wall = 0.0
        for source in sources:
            out = work / "social"
            out.mkdir(exist_ok=True)
            made: list[list] = []
            w, c = timed(lambda s=source, m=made, o=out, p=profile: m.append(
                render(s, [p], social_assets, workdir=o)))  # fmt: skip
            video = next(f for f in made[0] if f.profile == profile.name)
            seconds += video.measurement.duration_s or 0.0
            wall, cpu = wall + w, cpu + c
            discard(made[0])
        print(f"social video {profile.name} {profile.width}x{profile.height} "
              f"{profile.fps} fps x264 {profile.video_preset} crf {profile.video_crf}: "
              f"{seconds:.1f} s of video in {cpu:.1f} s CPU ({wall:.1f} s wall): "
              f"{seconds / cpu:.2f} s of video per CPU second")  # fmt: skip
    print(f"load average: {load_average()}")


def scale_section(args: argparse.Namespace) -> None:
    from benchlib import common, pg, render_scale

    common.handle_signals()
    counts = [int(n) for n in args.scale_workers.split(",") if n.strip()]
    kinds = ["sqlite", "postgresql"] if args.scale_db == "both" else [args.scale_db]
    postgres = f", PostgreSQL {pg.pg_version(args.pg_url)}" if "postgresql" in kinds else ""
    print(common.machine_line(postgres), flush=True)
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="bench-scale-", ignore_cleanup_errors=True) as t:
            try:
                url = ""
                if kind == "postgresql":
                    url = pg.sqlalchemy_url(pg.create(args.pg_url, pg.unique_name("am_scale")))
                render_scale.run(counts, args.scale_messages, args.seconds, Path(t), url)
            finally:
                common.CLEANUP.run_all()  # workers, redis-server, database, before the folder


if __name__ == "__main__":
    main()
