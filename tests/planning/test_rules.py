"""The pure rules: ratio normalisation, rule checks, the preview arithmetic (draw-v1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcheck.draw import validate_rule
from planning.tasks import rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.05", "0.05"),
        ("0.050", "0.05"),
        (" 0.2 ", "0.2"),
        ("1.000", "1"),
        ("0", "0"),
        ("0.0", "0"),
        (0.1, "0.1"),
        (1, "1"),
        (0, "0"),
        ("5E-2", "0.05"),
    ],
)
def test_ratio_normalisation(raw, expected):
    assert rules.normalize_ratio(raw) == expected


@pytest.mark.parametrize("raw", ["1.01", "-0.1", "abc", "", "NaN", "Infinity", True, None, [0.1], "1e-50"])
def test_bad_ratios(raw):
    with pytest.raises(ValueError):
        rules.normalize_ratio(raw)


def test_spec_vector_sizes():
    """draw-v1's test vector: A 5→1, B 5→2, C 5→3, D 5→2 with one alternate."""
    strata, problems = rules.check_sampling_rules(
        {
            "A": {"ratio": "0.2"},
            "B": {"min": 2, "ratio": "0.2"},
            "C": {"count": 3},
            "D": {"alternates": 1, "max": 2, "ratio": "1"},
            "U": {"count": 0},
        }
    )
    assert problems == []
    sizes = rules.expected_sizes(strata, {"A": 5, "B": 5, "C": 5, "D": 5})
    assert {c: s["expected_sample"] for c, s in sizes.items()} == {"A": 1, "B": 2, "C": 3, "D": 2, "U": 0}
    assert sizes["D"]["expected_alternates"] == 1 and sizes["U"]["population"] == 0


def test_exact_decimal_ceiling():
    strata, _ = rules.check_sampling_rules({c: {"ratio": "0.07"} for c in rules.CLASSES})
    # 0.07 × 100 is exactly 7 (a float would give 7.000000000000001 and round up to 8)
    assert rules.expected_sizes(strata, {"A": 100})["A"]["expected_sample"] == 7


rule_values = st.fixed_dictionaries(
    {},
    optional={
        "ratio": st.one_of(
            st.integers(min_value=-50, max_value=1500).map(lambda k: str(Decimal(k) / 1000)),
            st.sampled_from(["", "x", "1e400", "0.5.5"]),
        ),
        "count": st.integers(min_value=-3, max_value=50),
        "min": st.integers(min_value=-3, max_value=50),
        "max": st.one_of(st.none(), st.integers(min_value=-3, max_value=50)),
        "alternates": st.integers(min_value=-3, max_value=5),
    },
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_values, st.integers(min_value=0, max_value=500))
def test_accepted_rules_are_valid_draw_v1_rules(raw, population):
    rule, problems = rules.check_rule(raw, "r")
    if problems:
        return
    validate_rule(rule)  # what planning accepts, draw-v1 accepts
    n = rules.expected_sizes({c: rule for c in rules.CLASSES}, {"A": population})["A"]
    assert 0 <= n["expected_sample"] <= population
    assert 0 <= n["expected_alternates"] <= population - n["expected_sample"]


def test_warnings():
    w = rules.task_warnings(
        year=2027,
        inspection_start=date(2027, 3, 1),
        inspection_end=date(2027, 10, 31),
        plan_filed_late=False,
        departments=["SWJ"],
        item_departments=["SWJ"],
    )
    assert w == []
    w = rules.task_warnings(
        year=2027,
        inspection_start=date(2027, 3, 1),
        inspection_end=date(2027, 11, 1),
        plan_filed_late=True,
        departments=["SWJ"],
        item_departments=["SWJ", "XFJY"],
    )
    assert len(w) == 3 and "31 October" in w[0] and "filed late" in w[1] and "XFJY" in w[2]


# --------------------------------------------------------------------------- check_rule, both ways (issue 17)

MIN_BAD = ("f.min", "min must be an integer >= 0", "最少抽取数应为不小于0的整数")
MAX_BAD = ("f.max", "max must be an integer >= 0 or null", "最多抽取数应为不小于0的整数或 null")
ALT_BAD = ("f.alternates", "alternates must be an integer >= 0", "备选数应为不小于0的整数")
COUNT_BAD = ("f.count", "count must be an integer >= 0", "数量应为不小于0的整数")
ONE_OF = ("f", "exactly one of ratio and count is required", "ratio 与 count 必须且只能填写一个")
UNKNOWN = (
    "unknown key (allowed: ratio, count, min, max, alternates)",
    "未知字段（允许 ratio、count、min、max、alternates）",
)

BAD_RULES = [
    # raw rule, expected problems as (field, message, message_zh)
    (5, [("f", 'must be an object such as {"ratio": "0.05"}', '应为对象，如 {"ratio": "0.05"}')]),
    (["ratio"], [("f", 'must be an object such as {"ratio": "0.05"}', '应为对象，如 {"ratio": "0.05"}')]),
    ({}, [ONE_OF]),
    ({"ratio": None, "count": None}, [ONE_OF]),
    ({"ratio": "0.1", "count": 1}, [ONE_OF]),
    ({"ratio": "0.1", "weight": 1}, [("f.weight", *UNKNOWN)]),
    ({"count": 1, "Min": 1, "bias": 0}, [("f.Min", *UNKNOWN), ("f.bias", *UNKNOWN)]),
    ({"ratio": "2"}, [("f.ratio", "ratio must be between 0 and 1, got 2", '比例应为0到1之间的小数字符串，如 "0.05"')]),
    (
        {"ratio": "-0.5"},
        [("f.ratio", "ratio must be between 0 and 1, got -0.5", '比例应为0到1之间的小数字符串，如 "0.05"')],
    ),
    ({"ratio": "x"}, [("f.ratio", "ratio 'x' is not a decimal number", '比例应为0到1之间的小数字符串，如 "0.05"')]),
    ({"count": -1}, [COUNT_BAD]),
    ({"count": True}, [COUNT_BAD]),
    ({"count": 1.0}, [COUNT_BAD]),
    ({"count": "3"}, [COUNT_BAD]),
    ({"ratio": "0.1", "min": -1}, [MIN_BAD]),
    ({"ratio": "0.1", "min": "1"}, [MIN_BAD]),
    ({"ratio": "0.1", "min": None}, [MIN_BAD]),
    ({"ratio": "0.1", "min": True}, [MIN_BAD]),
    ({"ratio": "0.1", "max": -1}, [MAX_BAD]),
    ({"ratio": "0.1", "max": 1.0}, [MAX_BAD]),
    ({"ratio": "0.1", "max": False}, [MAX_BAD]),
    ({"ratio": "0.1", "alternates": -1}, [ALT_BAD]),
    ({"ratio": "0.1", "alternates": None}, [ALT_BAD]),
    ({"ratio": "0.1", "alternates": 1.5}, [ALT_BAD]),
    (
        {"ratio": "0.1", "min": 3, "max": 2},
        [("f.min", "min (3) is greater than max (2)", "最少抽取数（3）大于最多抽取数（2）")],
    ),
    (
        {"count": -2, "min": -1, "max": -1, "alternates": -1, "x": 0},
        [("f.x", *UNKNOWN), COUNT_BAD, MIN_BAD, MAX_BAD, ALT_BAD],
    ),
]


@pytest.mark.parametrize(("raw", "expected"), BAD_RULES, ids=[repr(r[0]) for r in BAD_RULES])
def test_check_rule_refuses_with_field_and_message(raw, expected):
    _rule, problems = rules.check_rule(raw, "f")
    assert problems == [{"field": f, "message": m, "message_zh": z} for f, m, z in expected]


GOOD_RULES = [
    # raw rule, the normalised rule planning stores (and the sampling service announces)
    ({"ratio": "0.10"}, {"ratio": "0.1"}),
    ({"ratio": "0"}, {"ratio": "0"}),
    ({"ratio": "1"}, {"ratio": "1"}),
    ({"ratio": 1}, {"ratio": "1"}),
    ({"count": 0}, {"count": 0}),
    ({"count": 7, "ratio": None}, {"count": 7}),
    ({"ratio": None, "count": 2}, {"count": 2}),
    ({"ratio": "0.1", "min": 0, "max": 0, "alternates": 0}, {"ratio": "0.1", "min": 0, "max": 0, "alternates": 0}),
    ({"count": 0, "max": None}, {"count": 0}),
    ({"count": 1, "min": 2, "max": 2, "alternates": 3}, {"count": 1, "min": 2, "max": 2, "alternates": 3}),
    ({"count": 1, "min": 5}, {"count": 1, "min": 5}),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD_RULES, ids=[repr(r[0]) for r in GOOD_RULES])
def test_check_rule_accepts_and_normalises(raw, expected):
    rule, problems = rules.check_rule(raw, "f")
    assert problems == []
    assert rule == expected
    validate_rule(rule)


def test_check_rule_accepts_any_mapping():
    from types import MappingProxyType

    assert rules.check_rule(MappingProxyType({"count": 1}), "f") == ({"count": 1}, [])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, 'must be a decimal string such as "0.05"'),
        (None, 'must be a decimal string such as "0.05"'),
        ("abc", "'abc' is not a decimal number"),
        ("NaN", "'NaN' is not a decimal number"),
        ("1.01", "must be between 0 and 1, got 1.01"),
        ("-0.1", "must be between 0 and 1, got -0.1"),
        ("0." + "0" * 39 + "1", f"has more than {rules.MAX_RATIO_CHARS} characters"),
    ],
)
def test_bad_ratio_messages(raw, message):
    with pytest.raises(ValueError) as info:
        rules.normalize_ratio(raw)
    assert str(info.value) == message


def test_ratio_of_exactly_forty_characters_is_accepted():
    text = "0." + "0" * 37 + "1"
    assert len(text) == rules.MAX_RATIO_CHARS and rules.normalize_ratio(text) == text


def test_sampling_rules_need_every_class_and_nothing_else():
    assert rules.check_sampling_rules(5) == (
        {},
        [
            {
                "field": "sampling_rules",
                "message": "must be an object with a rule for each of A, B, C, D and U",
                "message_zh": "应为对象，为 A、B、C、D、U 各类分别给出规则",
            }
        ],
    )
    got, problems = rules.check_sampling_rules({"A": {"count": 1}, "E": {"count": 1}, "B": {"count": -1}}, "s")
    assert got == {"A": {"count": 1}, "B": {}}
    assert [p["field"] for p in problems] == ["s.E", "s.B.count", "s.C", "s.D", "s.U"]
    assert problems[0]["message"] == "unknown credit-risk class (A, B, C, D, U)"
    assert problems[0]["message_zh"] == "未知的信用风险分类（A、B、C、D、U）"
    assert problems[2] == {
        "field": "s.C",
        "message": "a rule for class C is required (every class, U = unclassified)",
        "message_zh": "缺少 C 类的抽取规则（每一类都必须有规则，U 为未分类）",
    }
    ok, none = rules.check_sampling_rules({c: {"count": 1} for c in rules.CLASSES})
    assert none == [] and list(ok) == list(rules.CLASSES)


def test_departments_checks():
    assert rules.check_departments([" scjg", "yjgl "], lead="SCJG") == (["SCJG", "YJGL"], [])
    out, problems = rules.check_departments(["SCJG", "scjg", "bad!", "b-d"], lead="SCJG", field="d")
    assert out == ["SCJG", "BAD!", "B-D"]
    assert problems == [
        {"field": "d", "message": "not department codes: BAD!, B-D", "message_zh": "部门代码无效：BAD!、B-D"},
        {"field": "d", "message": "a department is listed twice", "message_zh": "部门重复"},
    ]
    assert rules.check_departments(["YJGL", "SCJG"], lead="SCJG")[1] == [
        {
            "field": "departments",
            "message": "the lead department SCJG must come first",
            "message_zh": "牵头部门 SCJG 必须列在首位",
        }
    ]
    assert rules.check_departments([], lead="SCJG")[1][0]["message"] == "the lead department SCJG must come first"


def test_team_rules_defaults_and_checks():
    assert rules.check_team_rules(None, lead="SCJG", departments=["SCJG", "YJGL"]) == (
        {"required_departments": ["SCJG", "YJGL"], "team_size": 2, "max_load": rules.DEFAULT_MAX_LOAD},
        [],
    )
    three = ["SCJG", "YJGL", "XFJY"]
    assert rules.check_team_rules({}, lead="SCJG", departments=three)[0]["team_size"] == 3
    assert rules.check_team_rules(
        {"required_departments": [" scjg"], "team_size": 4, "max_load": 1}, lead="SCJG", departments=three
    ) == ({"required_departments": ["SCJG"], "team_size": 4, "max_load": 1}, [])
    _rules, problems = rules.check_team_rules(
        {"required_departments": ["yjgl", "YJGL", "XFJY"], "team_size": 2, "max_load": 0},
        lead="SCJG",
        departments=["SCJG", "YJGL"],
        field="t",
    )
    assert problems == [
        {
            "field": "t.required_departments",
            "message": "the lead department SCJG must come first",
            "message_zh": "牵头部门 SCJG 必须列在首位",
        },
        {"field": "t.required_departments", "message": "a department is listed twice", "message_zh": "部门重复"},
        {
            "field": "t.required_departments",
            "message": "not participating in the task: XFJY",
            "message_zh": "未参加本任务的部门：XFJY",
        },
        {
            "field": "t.team_size",
            "message": "team_size must be >= 2 and >= the number of required departments",
            "message_zh": "每组人数应不少于2人，且不少于必需部门数",
        },
        {
            "field": "t.max_load",
            "message": "max_load must be an integer >= 1",
            "message_zh": "每人最多检查户数应为不小于1的整数",
        },
    ]
    assert rules.check_team_rules({"required_departments": []}, lead="SCJG", departments=["SCJG"])[1] == [
        {
            "field": "team_rules.required_departments",
            "message": "at least the lead department is required",
            "message_zh": "至少需要牵头部门",
        }
    ]
    for size in (1, 2.0, True, "3"):
        probs = rules.check_team_rules({"team_size": size}, lead="SCJG", departments=["SCJG"])[1]
        assert [p["field"] for p in probs] == ["team_rules.team_size"], size
    for load in (0, -1, 1.0, True):
        probs = rules.check_team_rules({"max_load": load}, lead="SCJG", departments=["SCJG"])[1]
        assert [p["field"] for p in probs] == ["team_rules.max_load"], load


def test_experts_checks():
    out, problems = rules.check_experts({" 消防 ": 2, "": 1, "a\tb": 1, "x" * 65: 1, "y" * 64: 1, "z": 0, "w": True})
    assert out == {"消防": 2, "y" * 64: 1}
    naming = (
        "a field of expertise has 1-64 characters, no tab or newline",
        "专业领域应为1至64个字符，不含制表符或换行",
    )
    count = ("the number of experts must be an integer >= 1", "专家人数应为不小于1的整数")
    assert [(p["field"], p["message"], p["message_zh"]) for p in problems] == [
        ("experts.", *naming),
        ("experts.a\tb", *naming),
        ("experts." + "x" * 65, *naming),
        ("experts.z", *count),
        ("experts.w", *count),
    ]
    assert rules.check_experts({"a\nb": 1, "c\rd": 1}, "e")[1][1]["field"] == "e.c\rd"
    assert rules.check_experts({"a": 1}) == ({"a": 1}, [])


def test_window():
    assert rules.check_window(date(2027, 3, 1), date(2027, 3, 1)) == []
    assert rules.check_window(date(2027, 3, 2), date(2027, 3, 1)) == [
        {
            "field": "inspection_end",
            "message": "the inspection window ends before it starts",
            "message_zh": "检查结束日期早于开始日期",
        }
    ]


def test_warning_boundaries():
    def warn(start, end, year=2027, late=False, items=("SWJ",)):
        return rules.task_warnings(
            year=year,
            inspection_start=start,
            inspection_end=end,
            plan_filed_late=late,
            departments=["SWJ"],
            item_departments=list(items),
        )

    assert warn(date(2027, 1, 1), date(2027, 10, 31)) == []
    assert warn(date(2027, 1, 1), date(2027, 11, 1)) == [
        "检查窗口在10月31日之后结束（联合抽查应于10月底前完成）/ "
        "inspection window ends after 31 October (joint inspections finish by end of October)"
    ]
    # ending next year is late, and outside the plan year
    w = warn(date(2027, 9, 1), date(2028, 1, 5))
    assert len(w) == 2 and "31 October" in w[0]
    assert w[1] == "检查窗口不在计划年度2027年内 / inspection window is not within the plan year 2027"
    assert warn(date(2026, 12, 1), date(2027, 3, 1)) == [
        "检查窗口不在计划年度2027年内 / inspection window is not within the plan year 2027"
    ]
    assert warn(date(2027, 1, 1), date(2027, 3, 1), late=True) == [
        "所属年度计划逾期报备（1月31日后）/ the plan was filed late (after 31 January)"
    ]
    assert warn(date(2027, 1, 1), date(2027, 3, 1), items=("SWJ", "XFJY", "XFJY", "YJGL")) == [
        "检查单中以下部门的事项不会被检查（未参加本任务）：XFJY、YJGL / "
        "checklist items of XFJY, YJGL will not be checked: not participating"
    ]


def test_expected_sizes_cap_alternates_and_default_missing_classes():
    strata = {c: {"count": 2, "alternates": 5} for c in rules.CLASSES}
    strata["A"] = {"ratio": "0.5", "min": 1, "max": 3}
    sizes = rules.expected_sizes(strata, {"A": 9, "B": 4, "C": 1})
    assert sizes["A"] == {"population": 9, "expected_sample": 3, "expected_alternates": 0}
    assert sizes["B"] == {"population": 4, "expected_sample": 2, "expected_alternates": 2}
    assert sizes["C"] == {"population": 1, "expected_sample": 1, "expected_alternates": 0}
    assert sizes["U"] == {"population": 0, "expected_sample": 0, "expected_alternates": 0}
    assert list(sizes) == list(rules.CLASSES)
    assert rules.expected_sizes(strata, {"A": 3})["A"]["expected_sample"] == 2  # ceil(1.5)


def test_experts_field_names_may_hold_any_letter():
    assert rules.check_experts({"X射线探伤": 1, "XX": 2}) == ({"X射线探伤": 1, "XX": 2}, [])


def test_team_rules_list_every_department_outside_the_task():
    problems = rules.check_team_rules(
        {"required_departments": ["SCJG", "GAJ", "XFJY"], "team_size": 3}, lead="SCJG", departments=["SCJG"]
    )[1]
    assert problems == [
        {
            "field": "team_rules.required_departments",
            "message": "not participating in the task: GAJ, XFJY",
            "message_zh": "未参加本任务的部门：GAJ、XFJY",
        }
    ]


def test_a_rule_draw_v1_refuses_is_reported_not_accepted(monkeypatch):
    """Defence in depth: should draw-v1 ever be stricter than planning, the draw-v1 check is reported."""
    from jointcheck.draw import DrawError

    def stricter(*_args, **_kwargs):
        raise DrawError("strata", "refused by draw-v1")

    monkeypatch.setattr(rules, "validate_rule", stricter)
    assert rules.check_rule({"count": 1}, "f") == (
        {"count": 1},
        [{"field": "f", "message": "refused by draw-v1", "message_zh": "抽取规则无效"}],
    )
    monkeypatch.setattr(rules, "validate_team_rules", stricter)
    got = rules.check_team_rules({}, lead="SCJG", departments=["SCJG"], field="t")
    assert got == (
        {"required_departments": ["SCJG"], "team_size": 2, "max_load": 10},
        [{"field": "t", "message": "refused by draw-v1", "message_zh": "组队规则无效"}],
    )


def test_team_capacity_per_department_and_seats():
    # the issue's county: 39 entities, teams of 3, at most 5 each, 11 inspectors
    cap = rules.team_capacity(
        expected_entities=39,
        required_departments=["SWJ", "YJGL", "XFJY"],
        team_size=3,
        max_load=5,
        eligible={"SWJ": 4, "YJGL": 4, "XFJY": 3, "GAJ": 9},
    )
    assert [(d["department"], d["capacity"], d["shortfall"]) for d in cap["by_department"]] == [
        ("SWJ", 20, 19),
        ("YJGL", 20, 19),
        ("XFJY", 15, 24),
    ]
    assert (cap["seats_needed"], cap["seats_available"], cap["seat_shortfall"]) == (117, 55, 62)
    assert cap["sufficient"] is False and cap["tight"] is False
    assert len(rules.capacity_warnings(cap)) == 4  # three departments and the seats

    tight = rules.team_capacity(
        expected_entities=14,
        required_departments=["SWJ", "YJGL", "XFJY"],
        team_size=3,
        max_load=5,
        eligible={"SWJ": 4, "YJGL": 4, "XFJY": 3},
    )
    assert tight["sufficient"] is True and tight["tight"] is True  # XFJY: 15 for 14, one recusal away
    assert rules.capacity_warnings(tight) and "tight" in rules.capacity_warnings(tight)[-1]

    # seats, not departments, can be what is short: one required department, teams of 3
    seats = rules.team_capacity(
        expected_entities=4, required_departments=["SWJ"], team_size=3, max_load=5, eligible={"SWJ": 2}
    )
    assert seats["by_department"][0]["shortfall"] == 0 and seats["seat_shortfall"] == 2
    assert seats["inspectors_short_of_one_team"] == 1 and seats["sufficient"] is False

    nothing = rules.team_capacity(
        expected_entities=0, required_departments=["SWJ"], team_size=2, max_load=1, eligible={}
    )
    assert nothing["sufficient"] is True and nothing["tight"] is False and rules.capacity_warnings(nothing) == []


@given(
    n=st.integers(0, 200),
    size=st.integers(2, 6),
    load=st.integers(1, 20),
    counts=st.lists(st.integers(0, 30), min_size=1, max_size=4),
)
def test_sufficient_capacity_means_no_department_and_no_seat_is_short(n, size, load, counts):
    depts = [f"D{i}" for i in range(len(counts))]
    size = max(size, len(depts))
    cap = rules.team_capacity(
        expected_entities=n,
        required_departments=depts,
        team_size=size,
        max_load=load,
        eligible=dict(zip(depts, counts)),
    )
    enough = all(c * load >= n for c in counts) and sum(counts) * load >= size * n and (n == 0 or sum(counts) >= size)
    assert cap["sufficient"] is enough
    assert not (cap["tight"] and not cap["sufficient"])
