"""The office's image on social videos (an admin uploads it), and what a version's videos
show: its title, the image, and its script(s) as captions, placed where each part is heard."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from ... import languages
from ...extensions import db
from ...models import BrandImage, SourceKind, Version
from .. import audit
from ..context import Actor
from ..errors import ValidationFailed
from .assets import fetch_to, store_file

if TYPE_CHECKING:
    from ...production.social.video import SocialSpec

PLACEMENTS = ("logo", "background")


def current() -> BrandImage | None:
    return db.session.scalar(db.select(BrandImage).order_by(BrandImage.id.desc()).limit(1))


def upload(actor: Actor, stream: BinaryIO, placement: str) -> BrandImage:
    """Check the image by its bytes (PNG, JPEG or WebP; bounded in bytes and pixels), store a
    clean PNG made from it, and use it from now on."""
    from ...production.social.image import ImageError, normalise_image

    if placement not in PLACEMENTS:
        raise ValidationFailed(_l("Choose logo or background."), code="bad_placement")
    limit = current_app.config["BRAND_IMAGE_MAX_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise ValidationFailed(_l("Choose an image file."), code="no_file")
    if len(data) > limit:
        raise ValidationFailed(
            _l("The image is too large (at most %(mb)s MB).", mb=round(limit / 2**20, 1)),
            code="image_too_large",
        )
    with tempfile.TemporaryDirectory(prefix="am-image-") as folder:
        dest = Path(folder) / "brand.png"
        try:
            kind = normalise_image(data, dest)
        except ImageError as error:
            raise ValidationFailed(
                _l("This is not an image we can use: send a PNG, JPEG or WebP picture of at "
                   "most 8000 pixels a side."),
                code="bad_image",
                details={k: v for k, v in error.details.items() if k in ("width", "height")},
            ) from None  # fmt: skip
        asset = store_file(dest, "image/png", _image_measurement(dest))
    image = BrandImage(
        asset=asset,
        placement=placement,
        width=kind.width,
        height=kind.height,
        created_by_id=actor.user.id if actor.user else None,
    )
    db.session.add(image)
    db.session.flush()
    audit.record(
        actor,
        "brand_image.upload",
        object_type="brand_image",
        object_id=image.id,
        detail={"placement": placement, "width": kind.width, "height": kind.height},
    )
    return image


def remove(actor: Actor) -> int:
    """Back to the generated card: every uploaded image is forgotten (assets stay stored)."""
    count = 0
    for image in db.session.scalars(db.select(BrandImage)):
        db.session.delete(image)
        count += 1
    if count:
        audit.record(actor, "brand_image.remove", object_type="brand_image")
    return count


def _image_measurement(path: Path) -> Any:
    from ...production.measure import Measurement, file_digest

    size, sha256 = file_digest(path)
    return Measurement(size=size, sha256=sha256)


def _bcp47(code: str) -> str:
    language = languages.get(code)
    return language.bcp47 if language else "vi"


def social_spec(version: Version, layout: list[tuple[float, float]], workdir: Path) -> SocialSpec:
    """What the videos of ``version`` show; ``layout`` is where each part lies in its audio
    (one span for a plain version, one per part for a bulletin)."""
    from ...production.social.video import CaptionPart, SocialSpec

    if version.source_kind == SourceKind.BULLETIN:
        sources = [(p.part_version.script_text, p.part_version.language) for p in version.parts]
    else:
        sources = [(version.script_text, version.language)]
    parts = tuple(
        CaptionPart(text, _bcp47(language), start, end)
        for (text, language), (start, end) in zip(sources, layout, strict=False)
        if text
    )
    image = current()
    path = fetch_to(image.asset, workdir / "brand.png") if image is not None else None
    return SocialSpec(
        title=version.variant.message.title,
        parts=parts,
        image=path,
        image_mode=image.placement if image is not None else "logo",
    )
