"""job leases: heartbeats and leases on render jobs, and the outbox of work to queue

Revision ID: 0014_job_leases
Revises: 0013_stations
Create Date: 2026-12-03 06:20:00.000000

A claimed render job carries a lease its worker renews (heartbeat); a job whose lease ran out
lost its worker and is queued again. The outbox keeps, in the same transaction as the job, the
work still to put on the queue, so a queue (Redis) that is away loses nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_job_leases'
down_revision = '0013_stations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('max_attempts', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_render_jobs_lease_until'), ['lease_until'], unique=False)

    op.create_table('job_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox'))
    )
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_outbox_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_outbox_target_id'), ['target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('job_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_outbox_target_id'))
        batch_op.drop_index(batch_op.f('ix_job_outbox_created_at'))
    op.drop_table('job_outbox')

    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_render_jobs_lease_until'))
        batch_op.drop_column('max_attempts')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('lease_until')
