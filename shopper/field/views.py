from __future__ import annotations

import uuid as uuid_module

from flask import current_app, g, send_file
from sqlmodel import select

from ..auth.permissions import get_visible
from ..auth.session import login_required
from ..db import get_session
from ..exceptions import NotFound
from ..models import Photo
from . import bp
from .photos import photo_file


@bp.get("/photos/<photo_uuid>")
@login_required
def photo(photo_uuid: str):
    """A stored photo, to those who may see its visit (its owner before it arrives)."""
    try:
        key = uuid_module.UUID(photo_uuid)
    except ValueError:
        raise NotFound(photo_uuid) from None
    session = get_session()
    row = session.exec(select(Photo).where(Photo.uuid == key)).first()
    if row is None:
        raise NotFound(photo_uuid)
    get_visible(session, g.user, Photo, row.id)
    response = send_file(photo_file(row, current_app.config["UPLOAD_DIR"]),
                         mimetype=row.content_type, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
