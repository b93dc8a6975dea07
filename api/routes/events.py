"""POST /v1/events: an agent opened a result, or voted it helpful or not (for the report)."""

import time

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.analytics import Analytics
from api.deps import IndexDep, KeyDep
from api.errors import FieldError, Problem, ProblemError, invalid_parameters
from pipeline.analytics.store import EventRecord, EventType

router = APIRouter(prefix="/v1", tags=["events"])


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    search_id: str = Field(max_length=100, description="The search_id of a /v1/search answer.")
    type: EventType = Field(
        description="open: the agent opened the result (expanded it, or showed its "
        "original); helpful / not_helpful: the agent's vote on it."
    )
    tip_id: str = Field(max_length=300, description="The result's id.")
    position: int = Field(ge=1, le=10_050, description="Its place in the results, from 1.")


@router.post(
    "/events",
    status_code=202,
    response_class=Response,
    responses={
        202: {"description": "Recorded (no body)."},
        401: {"model": Problem},
        404: {"model": Problem},
        422: {"model": Problem},
        429: {"model": Problem},
    },
    summary="Record what an agent did with a result",
)
async def record_event(event: Event, request: Request, index: IndexDep, key: KeyDep) -> Response:
    # async: nothing here blocks (a signature check, a tip lookup, a queue put), and a
    # thread-pool hop per event cost more than the event (p99 207 ms at 580 events/s)
    analytics: Analytics | None = request.app.state.analytics
    if analytics is None:
        raise ProblemError(
            404, "not-found", "this server records no analytics (CSGUIDE_ANALYTICS=0)"
        )
    errors = []
    issued = analytics.ids.issued_at(event.search_id)
    now = time.time()
    if issued is None or issued > now + 60 or issued < now - analytics.recorder.keep_seconds:
        errors.append(FieldError(field="body.search_id", message="not a search of this service"))
    if index.tip(event.tip_id, "en") is None:  # every tip is in every language's index
        errors.append(FieldError(field="body.tip_id", message="no such tip"))
    if errors:
        raise invalid_parameters(errors)
    analytics.recorder.record(
        EventRecord(
            at=now,
            search_id=event.search_id,
            type=event.type,
            tip_id=event.tip_id,
            position=event.position,
            key_name=key.name if key else None,
        )
    )
    return Response(status_code=202)
