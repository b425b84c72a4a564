"""Form posts (application/x-www-form-urlencoded), read strictly and with a size bound."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

MAX_FORM_BYTES = 16_384


class FormError(ValueError):
    pass


async def read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormError("expected application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormError("form too large")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as error:
        raise FormError("form is not URL-encoded ASCII") from error
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise FormError(f"field {key} given twice")
        form[key] = value
    return form
