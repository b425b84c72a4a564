"""top_level_string: one member of the top-level object, read without parsing the rest."""

from __future__ import annotations

import pytest

from mijnoverheid.jsonscan import top_level_string


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": "a"}', "a"),
        (b'{"data": {"id": "nested"}, "id": "top"}', "top"),
        (b'{"data": [{"id": "x"}], "id" : "y"}', "y"),
        (b'{"data": "}{\\"id\\": \\"fake\\"", "id": "real"}', "real"),
        (b'{"id": "caf\\u00e9"}', "café"),
        (b'{"id": 7}', None),
        (b'{"data": {"id": "nested"}}', None),
        (b'["id", "x"]', None),
        (b'{"id": "' + b"x" * 5000 + b'"}', None),
        (b"not json", None),
        (b"", None),
    ],
)
def test_only_a_string_member_of_the_top_level_object_is_read(
    body: bytes, expected: str | None
) -> None:
    assert top_level_string(body, "id") == expected


def test_a_body_nested_beyond_any_parser_is_scanned_without_recursion() -> None:
    body = b'{"data": ' + b"[" * 200_000 + b"]" * 200_000 + b', "id": "deep"}'
    assert top_level_string(body, "id") == "deep"
