"""Row ids typed by people: in forms, query strings and hidden fields.

A database id is a positive 64-bit integer (SQLite's INTEGER, PostgreSQL's bigint). Anything
else a person (or a bot) sends — a huge number, a negative one, words, a non-ASCII digit such
as "²" that `str.isdigit()` accepts but `int()` refuses — is not an id. Reading it here, once,
keeps such values out of queries: SQLite raises OverflowError for an int past 64 bits in an
`IN (…)` list, and `int("²")` raises ValueError, both server errors.
"""

from __future__ import annotations

from django import forms

MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """The id written in raw (str or int), or None when it is not one: ASCII digits only
    (surrounding spaces allowed), from 1 to MAX_ID."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 1 <= raw <= MAX_ID else None
    text = str(raw).strip() if raw is not None else ""
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """The ids among values (an iterable of str), in order, skipping what is not an id."""
    return [i for i in map(parse_id, values) if i is not None]


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField keyed by id that refuses a value that is not an id with its
    usual "is not a valid value" form error, before the value reaches a query."""

    def _check_values(self, value):
        for raw in value:
            if parse_id(raw) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": raw},
                )
        return super()._check_values(value)


class IdField(forms.IntegerField):
    """An integer form field for an id (1 to MAX_ID): a hidden `post` or `parent` field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
