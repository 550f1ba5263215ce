"""``audio`` and ``jobs``: stock sounds, render workers and retries."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..services.errors import ServiceError
from .common import CLI_ACTOR, fail

audio_cli = AppGroup("audio", help="Audio production: stock sounds, rendering.")
jobs_cli = AppGroup("jobs", help="Background render jobs.")


@audio_cli.command("stock")
def stock_command() -> None:
    """Generate the chime and background beds (only the missing ones)."""
    from ..services.audio import stock

    added = stock.install_generated(CLI_ACTOR)
    db.session.commit()
    click.echo(f"stock sounds: {added} added")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for render jobs (with AUDIO_MANAGER_JOBS=rq)."""
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    queue = Queue(current_app.config["RQ_QUEUE"], connection=connection)
    Worker([queue], connection=connection).work(burst=burst)


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id: int) -> None:
    """Queue a failed render job again."""
    from ..jobs import enqueue_render
    from ..models import RenderJob
    from ..services.audio import rendering

    job = db.session.get(RenderJob, job_id)
    if job is None:
        raise click.ClickException(f"no such job: {job_id}")
    try:
        rendering.retry(CLI_ACTOR, job)
    except ServiceError as error:
        fail(error)
    db.session.commit()
    enqueue_render(job_id)
    click.echo(f"job {job_id} queued")
