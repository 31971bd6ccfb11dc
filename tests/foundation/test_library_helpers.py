"""Issue 8 item 4: one keyset-cursor helper, one ETag helper, one vocabulary for scope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from jointcheck.auth import Principal, Role, ensure_can_read_department, ensure_department
from jointcheck.errors import BadRequest, Forbidden, PreconditionFailed, PreconditionRequired
from jointcheck.etag import check_if_match, etag
from jointcheck.pagination import created_keyset, cursor_field, encode_cursor, next_page_cursor, parse_created_keyset


def test_a_created_keyset_cursor_round_trips_and_foreign_ones_are_400():
    row = SimpleNamespace(created_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC), id=uuid.uuid4())
    rows = [row, row]
    cursor = next_page_cursor(rows, 1, created_keyset)
    assert cursor_field(cursor, "after", parse=parse_created_keyset) == (row.created_at, row.id)
    assert next_page_cursor(rows, 2, created_keyset) is None
    assert cursor_field(None, "after", parse=parse_created_keyset) is None
    for foreign in (
        encode_cursor({"seq": 3}),
        encode_cursor({"after": ["yesterday", "x"]}),
        encode_cursor({"after": "2026-11-30T08:00:00"}),
        "!!not-base64!!",
    ):
        with pytest.raises(BadRequest) as refused:
            cursor_field(foreign, "after", parse=parse_created_keyset)
        assert refused.value.code == "invalid_cursor" and refused.value.detail_zh


def test_if_match_needs_the_current_etag():
    with pytest.raises(PreconditionRequired):
        check_if_match(None, current=3, what="plan")
    with pytest.raises(PreconditionFailed) as stale:
        check_if_match('"2"', current=3, what="plan", what_zh="计划")
    assert stale.value.code == "etag_mismatch" and stale.value.extra["current_etag"] == etag(3) == '"3"'
    for accepted in ('"3"', 'W/"3"', '"1", "3"', "*"):
        check_if_match(accepted, current=3, what="plan")


def test_one_vocabulary_for_reading_everything_and_department_scope():
    def who(role: str, dept: str | None = None) -> Principal:
        return Principal(subject=role, roles=frozenset({role}), dept=dept)

    assert [who(r).reads_everything for r in ("admin", "auditor", "service", "officer", "inspector")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert [who(r).acts_for_every_department for r in ("admin", "service", "auditor")] == [True, True, False]
    officer = who(Role.officer, "SCJG")
    assert officer.may_read_department("XFJY", "SCJG") and not officer.may_read_department("XFJY")
    ensure_department(officer, "SCJG")
    ensure_department(who("service"), "XFJY")
    with pytest.raises(Forbidden) as other:
        ensure_department(officer, "XFJY")
    assert other.value.code == "department_scope"
    ensure_can_read_department(who("auditor"), "XFJY")
    with pytest.raises(Forbidden):
        ensure_can_read_department(who("inspector"), "XFJY")
    with pytest.raises(Forbidden):
        ensure_department(who("auditor"), "XFJY")  # auditors read everything, change nothing
