"""The result-category dictionary (jointcheck.codes.result_categories): defaults, hierarchy, selection rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jointcheck.codes import CodeValueError
from jointcheck.codes.result_categories import (
    DEFAULT_CATEGORIES,
    CategoryChoice,
    CategoryDictionary,
    InvalidCategoryDictionary,
    InvalidResultSelection,
    ResultCategory,
    default_dictionary,
    validate_selection,
)

D = default_dictionary()
FOLLOWUP_SUBTYPES = ("problem_followup_case", "problem_followup_rectify", "problem_followup_transfer")
STATUS = ("deregistered", "licence_revoked", "registration_cancelled", "moved_out")


def _reason(selection, **kw) -> InvalidResultSelection:
    with pytest.raises(InvalidResultSelection) as exc:
        validate_selection(selection, **kw)
    err = exc.value
    assert isinstance(err, CodeValueError) and err.detail and err.detail_zh
    return err


def test_the_defaults_carry_the_domain_categories_in_both_languages():
    zh = {c.zh for c in DEFAULT_CATEGORIES}
    for label in (
        "未发现问题",
        "未按规定公示应当公示的信息",
        "公示信息隐瞒真实情况、弄虚作假",
        "通过登记的住所（经营场所）无法联系",
        "发现问题已责令改正",
        "发现问题待后续处理",
        "不配合检查情节严重",
        "未发现开展本次抽查涉及的经营活动",
        "已关闭停业或正在组织清算",
        "注销",
        "被吊销",
        "被撤销",
        "迁出",
    ):
        assert label in zh, label
    assert all(c.code.isascii() and c.en.isascii() and c.en for c in DEFAULT_CATEGORIES)
    assert D.children("problem_followup") == FOLLOWUP_SUBTYPES
    assert all(D[c].names_department and D[c].follow_up for c in FOLLOWUP_SUBTYPES)
    assert D.children("entity_status") == STATUS
    assert [c.code for c in D if c.compliant_outcome] == ["no_problem"]
    assert not D.is_selectable("problem_followup") and not D.is_selectable("entity_status")
    assert D.is_selectable("no_problem") and not D.is_selectable("nonsense")
    assert D.root_of("moved_out").code == "entity_status"
    assert {c.code for c in D.selectable()} == {c.code for c in DEFAULT_CATEGORIES} - {
        "problem_followup",
        "entity_status",
    }


def test_valid_selections_come_back_as_choices_in_order():
    assert validate_selection([{"code": "no_problem"}]) == [CategoryChoice("no_problem")]
    chosen = validate_selection(
        [
            ("info_not_published", None),
            {"code": "problem_followup_case", "department": "SCJG"},
            CategoryChoice("problem_followup_case", "XFJY"),  # the same sub-type for another department
            "deregistered",
        ]
    )
    assert chosen == [
        ("info_not_published", None),
        ("problem_followup_case", "SCJG"),
        ("problem_followup_case", "XFJY"),
        ("deregistered", None),
    ]
    assert D.needs_follow_up(chosen) and not D.is_compliant(chosen)
    assert D.is_compliant([("no_problem", None)]) and not D.needs_follow_up(["no_problem"])


class _Model:  # what a contract model looks like to the validator
    def __init__(self, code, department=None):
        self.code, self.department = code, department


@pytest.mark.parametrize(
    ("selection", "reason", "category"),
    [
        ([], "empty", None),
        (["bogus"], "unknown", "bogus"),
        (["problem_followup"], "not_selectable", "problem_followup"),
        (["entity_status"], "not_selectable", "entity_status"),
        (["no_problem", "info_false"], "exclusive", "no_problem"),
        (["no_problem", ("problem_followup_case", "SCJG")], "exclusive", "no_problem"),
        (["no_problem", "deregistered"], "exclusive", "no_problem"),
        (["deregistered", "moved_out"], "single_choice", "entity_status"),
        (["problem_followup_case"], "department_required", "problem_followup_case"),
        ([("problem_followup_transfer", "")], "department_required", "problem_followup_transfer"),
        ([("problem_followup_case", "scjg")], "department_invalid", "problem_followup_case"),
        ([("info_false", "SCJG")], "department_not_allowed", "info_false"),
        ([("no_problem", "SCJG")], "department_not_allowed", "no_problem"),
        (["info_false", "info_false"], "duplicate", "info_false"),
        ([("problem_followup_case", "SCJG"), _Model("problem_followup_case", "SCJG")], "duplicate", None),
        ([42], "malformed", None),
        ([{"code": "info_false", "department": 7}], "malformed", None),
        ("no_problem", "malformed", None),
        ([f"x{i}" for i in range(40)], "too_many", None),
    ],
)
def test_each_rule_is_refused_with_its_reason(selection, reason, category):
    err = _reason(selection)
    assert err.reason == reason, err.detail
    if category is not None:
        assert err.category == category


def test_the_department_must_be_one_of_the_given_departments():
    ok = validate_selection([("problem_followup_case", "SCJG")], departments={"SCJG", "XFJY"})
    assert ok == [("problem_followup_case", "SCJG")]
    err = _reason([("problem_followup_case", "WJW")], departments={"SCJG", "XFJY"})
    assert err.reason == "department_unknown" and "WJW" in err.detail and "SCJG" in err.detail_zh


def test_errors_speak_both_languages_and_name_the_categories():
    err = _reason(["no_problem", "uncooperative"])
    assert "uncooperative" in err.detail and "不配合检查情节严重" in err.detail_zh and "未发现问题" in err.detail_zh
    err = _reason(["problem_followup"])
    assert "problem_followup_case" in err.detail and "立案查处" in err.detail_zh
    long = "a" * 5000
    err = _reason([long])
    assert len(err.detail) < 200  # an unknown code is named, not echoed at length


def test_labels_name_the_department_of_a_subtype():
    assert D.label(("info_false", None)) == (D["info_false"].zh, D["info_false"].en)
    zh, en = D.label(("problem_followup_case", "SCJG"), department_name="县市场监督管理局")
    assert (
        zh.endswith("：县市场监督管理局") and zh.startswith("发现问题待后续处理") and en.endswith(": 县市场监督管理局")
    )
    assert D.label(("problem_followup_case", "SCJG"))[0].endswith("：SCJG")


@given(st.sampled_from([c for c in DEFAULT_CATEGORIES if c.code not in ("problem_followup", "entity_status")]))
def test_every_leaf_alone_is_valid_with_a_department_exactly_when_it_names_one(cat):
    with_dept = CategoryChoice(cat.code, "SCJG")
    without = CategoryChoice(cat.code)
    good, bad = (with_dept, without) if cat.names_department else (without, with_dept)
    assert validate_selection([good]) == [good]
    with pytest.raises(InvalidResultSelection):
        validate_selection([bad])


@given(st.lists(st.sampled_from([c.code for c in D.selectable() if not c.names_department]), max_size=6))
def test_a_valid_selection_never_mixes_no_problem_or_two_status_outcomes(codes):
    try:
        chosen = validate_selection(codes)
    except InvalidResultSelection as exc:
        assert exc.reason in ("empty", "duplicate", "exclusive", "single_choice")
        return
    got = [c.code for c in chosen]
    assert len(set(got)) == len(got) >= 1
    assert "no_problem" not in got or got == ["no_problem"]
    assert sum(g in STATUS for g in got) <= 1


def test_a_configured_dictionary_is_checked_when_loaded():
    rows = [c.as_dict() for c in DEFAULT_CATEGORIES]
    assert CategoryDictionary.from_records(rows).categories == DEFAULT_CATEGORIES
    extra = CategoryDictionary.from_records([*rows, {"code": "food_safety", "zh": "食品安全问题", "en": "Food safety"}])
    assert validate_selection(["food_safety"], dictionary=extra) == [("food_safety", None)]
    assert _reason(["food_safety"]).reason == "unknown"  # not in the defaults
    for broken in (
        [*rows, rows[0]],  # twice
        [{"code": "Bad-Code", "zh": "x", "en": "x"}],
        [{"code": "child", "zh": "x", "en": "x", "parent": "later"}, {"code": "later", "zh": "y", "en": "y"}],
        [{"code": "only", "zh": "x", "en": "x", "single_choice": True}],
        [{"code": "nolabel", "zh": " ", "en": "x"}],
        [
            {"code": "named", "zh": "x", "en": "x", "names_department": True},
            {"code": "kid", "zh": "k", "en": "k", "parent": "named"},
        ],
        [{"code": "typo", "zh": "x", "en": "x", "name_department": True}],
        [],
    ):
        with pytest.raises((InvalidCategoryDictionary, TypeError)):
            CategoryDictionary.from_records(broken)
    assert isinstance(ResultCategory("x1", "甲", "a").as_dict(), dict)
