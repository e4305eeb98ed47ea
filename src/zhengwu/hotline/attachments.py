"""A ticket's attachment as a download, the same for the department pages and the API."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header

from zhengwu.hotline.models import Attachment

# Types shown in the browser (sniffed at upload, never what the uploader claimed).
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})


def attachment_response(row: Attachment) -> FileResponse:
    """The stored file, streamed with the type sniffed at upload, in a sandbox (never run);
    404 when the file is gone from storage."""
    try:
        stream = default_storage.open(row.storage_name, "rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(stream, content_type=row.content_type)
    inline = row.content_type in INLINE_TYPES
    response["Content-Disposition"] = content_disposition_header(not inline, row.name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
