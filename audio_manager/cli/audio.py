"""``audio`` and ``jobs``: stock sounds, render workers and retries."""

from __future__ import annotations

import logging

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
    """Generate the chime and background beds (only the missing ones); an S3 bucket that is
    missing is created first (see ``storage init``)."""
    from ..services.audio import stock
    from ..storage import StorageError

    try:
        current_app.extensions["audio_manager.storage"].create_bucket()
    except StorageError as error:
        raise click.ClickException(
            f"the storage cannot be used: {error.message} (see `flask storage init`)"
        ) from None
    added = stock.install_generated(CLI_ACTOR)
    db.session.commit()
    click.echo(f"stock sounds: {added} added")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for render jobs (with AUDIO_MANAGER_JOBS=rq).

    It reconnects when Redis goes away and comes back, and stops only on SIGTERM or SIGINT
    (after the job it is running) or, with --burst, when the queue is empty."""
    from ..jobs.worker import Supervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    restarts = Supervisor(current_app._get_current_object()).run(burst=burst)  # type: ignore[attr-defined]
    click.echo(f"jobs worker stopped ({restarts} reconnection(s))")


@jobs_cli.command("maintain")
def maintain_command() -> None:
    """One round of upkeep: queue recorded work, re-queue lost jobs, sweep render folders."""
    from ..jobs import backend

    figures = backend().maintain()
    click.echo(" ".join(f"{name}={value}" for name, value in figures.items()))


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
    if enqueue_render(job_id):
        click.echo(f"job {job_id} queued")
    else:
        click.echo(f"job {job_id} recorded; it waits for the render service (queue unreachable)")
