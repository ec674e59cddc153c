"""Rendering a response model that the route has already built (and so validated)."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def as_json(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON. Returned as a Response, FastAPI sends it as it is; returned as a model, FastAPI would
    validate it a second time against the route's response model, in a worker thread for a sync route, which costs
    more than the decision and the audit append of a case view. The route keeps its response_model for OpenAPI."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
