"""The registry's replay of a platform page (pure): what is rejected, and why, never half-applied."""

from __future__ import annotations

from datetime import UTC, datetime

from jointcheck.codes import make_uscc
from jointcheck.contracts import PlatformPage
from registry.platform_sync.service import _plan

AT = "2026-11-01T00:00:00+08:00"
GOOD = make_uscc("91411523MA0000001")
OTHER = make_uscc("91411523MA0000002")


def reg(**kw):
    return {
        "name": "新县测试饭店有限公司",
        "entity_type": "enterprise",
        "industry_code": "H6210",
        "division_code": "411523",
        "address": "新县1号",
        "status": "active",
        "registered_on": "2020-01-05",
        **kw,
    }


def page(*events):
    evs = [{"seq": i + 1, "occurred_at": AT, **e} for i, e in enumerate(events)]
    return PlatformPage.model_validate(
        {
            "division": "411523",
            "after": 0,
            "events": evs,
            "next_cursor": len(evs),
            "newest_seq": len(evs),
            "has_more": False,
        }
    )


def test_bad_rows_are_rejected_whole_and_the_rest_applies():
    bad_check = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    final, counts, rejects = _plan(
        page(
            {"action": "new", "uscc": GOOD, "registration": reg()},
            {"action": "new", "uscc": bad_check, "registration": reg()},
            {"action": "new", "uscc": OTHER, "registration": reg(industry_code="Z9999")},
            {"action": "change", "uscc": OTHER, "registration": reg(name="a\x00b")},
            {
                "action": "credit_class",
                "uscc": make_uscc("91411523MA0000003"),
                "credit_class": "A",
                "classified_at": AT,
            },
            {"action": "credit_class", "uscc": GOOD, "credit_class": "E", "classified_at": AT},
            {"action": "new", "uscc": "not-a-code\x00", "registration": reg()},
            {"action": "change", "uscc": GOOD, "registration": reg(status="sleeping")},
            {"action": "change", "uscc": GOOD},
            {"action": "credit_class", "uscc": GOOD, "credit_class": "C", "classified_at": AT},
            {"action": "revoked", "uscc": GOOD, "registration": reg()},
            {"action": "credit_class", "uscc": GOOD, "credit_class": "A", "classified_at": "2026-11-05T00:00:00"},
        ),
        {},
    )
    assert [r["seq"] for r in rejects] == [2, 3, 4, 5, 6, 7, 8, 9, 12]
    assert all(r["reason"] and r["reason_zh"] and "\x00" not in r["uscc"] for r in rejects)
    assert counts == {
        "pulled": 12,
        "inserted": 1,
        "updated": 0,
        "deregistered": 1,
        "classes_changed": 1,
        "unchanged": 0,
        "rejected": 9,
    }
    assert list(final) == [GOOD]
    assert final[GOOD]["status"] == "revoked" and final[GOOD]["credit_class"] == "C"
    assert final[GOOD]["classified_at"] == datetime(2026, 10, 31, 16, tzinfo=UTC)


def test_repeated_and_stale_events_change_nothing():
    from datetime import date

    from registry.entities.models import Entity

    held = Entity(
        uscc=GOOD,
        name="新县测试饭店有限公司",
        entity_type="enterprise",
        industry_code="H6210",
        division_code="411523",
        address="新县1号",
        status="active",
        registered_on=date(2020, 1, 5),
        credit_class="B",
        classified_at=datetime(2026, 11, 2, tzinfo=UTC),
        departments=["SCJG"],
        tags=[],
        legacy_code=False,
        source="platform",
        deleted=False,
    )
    final, counts, rejects = _plan(
        page(
            {"action": "change", "uscc": GOOD, "registration": reg()},  # what the registry holds already
            {"action": "credit_class", "uscc": GOOD, "credit_class": "D", "classified_at": AT},  # older than on record
        ),
        {GOOD: held},
    )
    assert final == {} and rejects == [] and counts["unchanged"] == 2 and counts["pulled"] == 2
    final, counts, _ = _plan(
        page({"action": "change", "uscc": GOOD, "registration": reg(address="新县2号")}), {GOOD: held}
    )
    assert counts["updated"] == 1 and final[GOOD]["address"] == "新县2号" and final[GOOD]["credit_class"] == "B"
