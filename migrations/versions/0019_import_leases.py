"""import leases: the worker writing an install import, and the lease it renews

Revision ID: 0019_import_leases
Revises: 0018_social_video
Create Date: 2026-12-02 15:20:00.000000

A running install import names its process and, on PostgreSQL, carries a lease each batch
renews; an import whose worker died is queued again instead of staying "running" for good.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_import_leases'
down_revision = '0018_social_video'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('install_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('install_imports', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('worker')
