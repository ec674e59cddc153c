"""RFC 9457 problem details: the one place where errors become HTTP responses.

Every problem carries a type, title, status, a safe detail and the request's correlation id — never request
content, field values or internal exception text.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import AuthenticationFailed, TooManyAttempts
from vault import (
    AccessDenied,
    AuditUnavailable,
    ConfigurationError,
    Conflict,
    ConsentRequired,
    DecryptionFailed,
    Erased,
    IntegrityViolation,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    PolicyUnavailable,
    Restricted,
    VaultError,
)

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)

# Every core error class, exactly (a test enumerates VaultError's subclasses against this table). Lawful states are
# results, not failures: erased data are 410 Gone, restricted data 451 (RFC 7725: withheld for a legal reason, here
# the subject's right to restriction), a missing consent 409.
STATUS: dict[type[VaultError], tuple[int, str]] = {
    InvalidInput: (422, "Invalid input"),
    NotFound: (404, "Not found"),
    AccessDenied: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    ConsentRequired: (409, "Consent required"),
    Erased: (410, "Gone"),
    Restricted: (451, "Unavailable for legal reasons"),
    AuditUnavailable: (503, "Service unavailable"),
    PolicyUnavailable: (503, "Service unavailable"),
    DecryptionFailed: (500, "Decryption failed"),
    KeyUnavailable: (500, "Key unavailable"),
    IntegrityViolation: (500, "Integrity violation"),
    ConfigurationError: (500, "Configuration error"),
    VaultError: (500, "Internal error"),
}
# Details we can show as they are: they are written by us and say nothing about the data.
_SAFE_DETAIL = (InvalidInput, Conflict, ConsentRequired, Erased, Restricted)


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    extra: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"urn:kluis:problem:{code}",
        "title": title,
        "status": status,
        "correlation_id": request_id(request),
    }
    if detail:
        body["detail"] = detail
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(VaultError)
    async def vault_error(request: Request, exc: VaultError) -> JSONResponse:
        for kind in type(exc).__mro__:  # the most specific mapped class
            if kind in STATUS:
                status, title = STATUS[kind]
                if status >= 500:
                    log.error("vault_error", error=exc.code, request_id=request_id(request))
                detail = str(exc) if isinstance(exc, _SAFE_DETAIL) else None
                return problem(request, status, exc.code, title, detail)
        return problem(request, 500, "internal", "Internal error")

    @app.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, exc: AuthenticationFailed) -> JSONResponse:
        return problem(
            request,
            401,
            "unauthenticated",
            "Unauthenticated",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )

    @app.exception_handler(TooManyAttempts)
    async def too_many(request: Request, exc: TooManyAttempts) -> JSONResponse:
        retry = int(request.app.state.vault.settings.refused_token_interval_seconds) or 1
        return problem(request, 429, "rate_limited", "Too many requests", headers={"Retry-After": str(retry)})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Location and message only: the rejected input itself may hold health data.
        errors = [
            {"location": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return problem(request, 422, "invalid_input", "Invalid input", extra={"errors": errors})

    @app.exception_handler(ValidationError)
    async def invalid_model(request: Request, exc: ValidationError) -> JSONResponse:
        # Raised when a route builds a core object (e.g. a record bound to its case): same answer, never the input.
        errors = [
            {"location": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))}
            for e in exc.errors(include_input=False, include_url=False)
        ]
        return problem(request, 422, "invalid_input", "Invalid input", extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed", 413: "Request too large"}.get(exc.status_code, "Error")
        return problem(request, exc.status_code, title.lower().replace(" ", "_"), title)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected_error", error=type(exc).__name__, request_id=request_id(request))
        return problem(request, 500, "internal", "Internal error")
