"""What every HTTP body shares: requests refuse unknown fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from vault import MAX_VALUE_CHARS, without_bsn

Value = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$"), AfterValidator(without_bsn)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
