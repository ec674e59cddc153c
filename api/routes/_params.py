"""Path and query parameters the routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from vault import Purpose

CaseRef = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
PurposeQuery = Annotated[Purpose, Query(description="purpose of use, recorded in the audit event")]
