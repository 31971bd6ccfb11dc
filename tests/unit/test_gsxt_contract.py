"""The GSXT publication contract: shape in the model, meaning in check_publication."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from jointcheck.codes import make_uscc
from jointcheck.contracts import GsxtPublicationRecord, InvalidPublicationRecord, check_publication

USCC = make_uscc("91411523MA0000001")


def record(**changes) -> dict:
    base = {
        "record_id": "pub-T1-0001",
        "uscc": USCC,
        "entity_name": "新县示范餐饮有限公司",
        "plan_id": "P-1",
        "plan_number": "411523-2025-SCJG-01",
        "plan_name": "2025年餐饮联合抽查计划",
        "task_id": "T-1",
        "task_name": "餐饮服务联合抽查",
        "draw_type": "undirected",
        "inspecting_departments": ["SCJG", "XFJY"],
        "publishing_department": "SCJG",
        "inspection_date": "2025-09-20",
        "completion_date": "2025-09-26",
        "result_categories": [{"code": "problem_followup_case", "department": "XFJY"}],
        "item_results": [
            {"item_code": "SCJG-1", "item_name": "食品经营许可", "department": "SCJG", "result": "compliant"},
            {
                "item_code": "XFJY-1",
                "item_name": "消防通道",
                "department": "XFJY",
                "result": "non_compliant",
                "categories": [{"code": "problem_followup_case", "department": "XFJY"}],
            },
        ],
        "follow_up_measure": "移交县消防救援大队立案查处",
        "inspection_methods": ["on_site"],
    }
    return base | changes


def test_a_good_record_passes_and_has_a_stable_canonical_form():
    r = GsxtPublicationRecord.model_validate(record())
    check_publication(r)
    again = GsxtPublicationRecord.model_validate(dict(reversed(list(record().items()))))
    assert r.canonical_json() == again.canonical_json() and r.sha256() == again.sha256()
    assert r.inspection_date == date(2025, 9, 20)
    other = GsxtPublicationRecord.model_validate(record(follow_up_measure="已责令改正"))
    assert other.sha256() != r.sha256()


@pytest.mark.parametrize(
    "changes",
    [
        {"record_id": ""},
        {"record_id": "has space"},
        {"uscc": "9141152"},
        {"draw_type": "random"},
        {"inspecting_departments": []},
        {"inspecting_departments": ["SCJG", "SCJG"]},
        {"inspecting_departments": ["scjg"]},
        {"result_categories": []},
        {"result_categories": [{"code": "No Problem"}]},
        {"inspection_methods": ["telepathy"]},
        {"inspection_methods": []},
        {"surprise": 1},
        {"entity_name": "x" * 257},
    ],
)
def test_shape_errors_are_validation_errors(changes):
    with pytest.raises(ValidationError):
        GsxtPublicationRecord.model_validate(record(**changes))
    missing = record()
    del missing["task_name"]
    with pytest.raises(ValidationError):
        GsxtPublicationRecord.model_validate(missing)


@pytest.mark.parametrize(
    ("changes", "code", "reason"),
    [
        ({"uscc": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")}, "invalid_uscc", "check"),
        ({"result_categories": [{"code": "made_up"}]}, "invalid_result_categories", "unknown"),
        (
            {"result_categories": [{"code": "no_problem"}, {"code": "info_false"}]},
            "invalid_result_categories",
            "exclusive",
        ),
        (
            {"result_categories": [{"code": "problem_followup_case"}]},
            "invalid_result_categories",
            "department_required",
        ),
        ({"completion_date": "2025-09-19"}, "dates_out_of_order", None),
        ({"publishing_department": "WJW"}, "publishing_department_not_inspecting", None),
    ],
)
def test_meaning_errors_have_stable_codes_in_both_languages(changes, code, reason):
    r = GsxtPublicationRecord.model_validate(record(**changes))
    with pytest.raises(InvalidPublicationRecord) as exc:
        check_publication(r)
    assert exc.value.code == code and exc.value.reason == reason
    assert exc.value.detail and exc.value.detail_zh and exc.value.field


def test_item_results_are_checked_too():
    items = record()["item_results"]
    items[1] = items[1] | {"categories": [{"code": "entity_status"}]}
    with pytest.raises(InvalidPublicationRecord) as exc:
        check_publication(GsxtPublicationRecord.model_validate(record(item_results=items)))
    assert exc.value.field == "item_results.1.categories" and exc.value.reason == "not_selectable"
    items = record()["item_results"]
    items[0] = items[0] | {"department": "WJW"}
    with pytest.raises(InvalidPublicationRecord) as exc:
        check_publication(GsxtPublicationRecord.model_validate(record(item_results=items)))
    assert exc.value.code == "item_department_not_inspecting"
