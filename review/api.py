"""The review queue over the API: the next item for the token's annotator, and its rating."""

import uuid
from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema

from campaign.apidocs import errors
from review import selectors
from review.answers import lease_answer
from review.queue import queue_serve
from review.types import Answers

router = Router(tags=["review"])


class ReviewItemOut(Schema):
    id: uuid.UUID
    image_url: str
    description: str
    native_description: str
    native_language_name: str
    location: str
    country_codes: list[str]
    blur_flagged: bool
    lease_expires_at: datetime


class NextOut(Schema):
    item: ReviewItemOut | None


class RatingIn(Schema):
    skip: bool = False
    relevance: int | None = None
    caption_fit: bool | None = None
    quality_ok: bool | None = None
    flag: Literal["", "not_own_photo", "watermark", "personal_data", "unsafe"] = ""
    flag_note: str = ""


class RatingOut(Schema):
    counted: bool
    next: ReviewItemOut | None


def _item_out(request, lease) -> dict | None:
    if lease is None:
        return None
    shown = selectors.served_item(lease=lease)
    return {
        "id": lease.key,
        "image_url": request.build_absolute_uri(shown.image_url),
        "description": shown.description,
        "native_description": shown.native_description,
        "native_language_name": shown.native_language_name,
        "location": shown.location,
        "country_codes": [country.code for country in shown.countries],
        "blur_flagged": shown.blur_flagged,
        "lease_expires_at": shown.expires_at,
    }


@router.get(
    "/review/next",
    response={200: NextOut, **errors(403)},
    summary="The next image for you to rate (reserved for you for a few minutes); item is null when none",
)
def review_next(request: HttpRequest):
    return {"item": _item_out(request, queue_serve(annotator=request.user))}


@router.post(
    "/review/items/{item_id}/ratings",
    response={200: RatingOut, **errors(403, 409, 429)},
    summary="Rate (or skip) the item served to you; answers with the next one",
)
def review_rate(request: HttpRequest, item_id: uuid.UUID, payload: RatingIn):
    answers = Answers(
        skipped=payload.skip,
        relevance=payload.relevance,
        caption_fit=payload.caption_fit,
        quality_ok=payload.quality_ok,
        flag=payload.flag,
        flag_note=payload.flag_note,
    )
    result = lease_answer(annotator=request.user, key=item_id, answers=answers)
    return {
        "counted": result.counted,
        "next": _item_out(request, queue_serve(annotator=request.user)),
    }
