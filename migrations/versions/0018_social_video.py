"""social video: opt-in per message, social render jobs, the office's image

Revision ID: 0018_social_video
Revises: 0017_cap
Create Date: 2026-12-02 06:50:00.000000

A message may opt in to social videos (messages.social_video). A render job now says what it
makes (render_jobs.kind: "audio" for the configured profiles, as every job so far; "social"
for the videos). brand_images holds the office's logo or background, newest first used.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_social_video'
down_revision = '0017_cap'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('brand_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('placement', sa.String(length=16), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_brand_images_asset_id_assets')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_brand_images_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brand_images'))
    )
    # Plain ADD COLUMN (a batch would copy and drop messages, which other tables reference).
    op.add_column('messages', sa.Column('social_video', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('render_jobs', sa.Column('kind', sa.String(length=16), server_default='audio', nullable=False))


def downgrade():
    op.drop_column('render_jobs', 'kind')
    op.drop_column('messages', 'social_video')
    op.drop_table('brand_images')
