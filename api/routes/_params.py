"""Path and query parameters the routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from vault import Purpose, without_bsn

CaseRef = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$"), AfterValidator(without_bsn)]
CaseQuery = Annotated[str | None, Query(max_length=128), AfterValidator(lambda v: v if v is None else without_bsn(v))]
PurposeQuery = Annotated[Purpose, Query(description="purpose of use, recorded in the audit event")]
