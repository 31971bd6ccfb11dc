"""The rules of a task spec, as pure functions (no I/O): sampling rules in draw-v1's shape,
team rules, experts, departments, the inspection window, warnings and the preview arithmetic.

Checks return ``(normalised value, problems)``; a problem is ``{"field", "message",
"message_zh"}`` so that one 422 can list every problem of a request at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from jointcheck.contracts import is_department_code
from jointcheck.draw import DrawError, sample_size, validate_rule, validate_team_rules
from planning.common import dedupe

#: Credit-risk strata: A low, B general, C fairly high, D high, U not yet classified.
CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "U")
RULE_KEYS: tuple[str, ...] = ("ratio", "count", "min", "max", "alternates")
MAX_RATIO_CHARS = 40
DEFAULT_MAX_LOAD = 10

Problem = dict[str, str]


def problem(field: str, message: str, message_zh: str) -> Problem:
    return {"field": field, "message": message, "message_zh": message_zh}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def normalize_ratio(value: object) -> str:
    """A ratio as draw-v1's decimal string: ``0.050`` → ``"0.05"``, ``"1.0"`` → ``"1"``.

    Accepts a decimal string or a JSON number; raises ``ValueError`` unless it lies in [0, 1].
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('must be a decimal string such as "0.05"')
    text = value.strip() if isinstance(value, str) else repr(value)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not d.is_finite():
        raise ValueError(f"{value!r} is not a decimal number")
    if d < 0 or d > 1:
        raise ValueError(f"must be between 0 and 1, got {text}")
    out = format(d.normalize(), "f")
    if len(out) > MAX_RATIO_CHARS:
        raise ValueError(f"has more than {MAX_RATIO_CHARS} characters")
    return out


def check_rule(raw: object, field: str) -> tuple[dict[str, Any], list[Problem]]:
    """One stratum's rule: ``ratio`` XOR ``count``, optional ``min``, ``max`` (or null), ``alternates``."""
    if not isinstance(raw, Mapping):
        return {}, [problem(field, 'must be an object such as {"ratio": "0.05"}', '应为对象，如 {"ratio": "0.05"}')]
    problems: list[Problem] = []
    rule: dict[str, Any] = {}
    for key in raw:
        if key not in RULE_KEYS:
            problems.append(
                problem(
                    f"{field}.{key}",
                    "unknown key (allowed: ratio, count, min, max, alternates)",
                    "未知字段（允许 ratio、count、min、max、alternates）",
                )
            )
    has_ratio, has_count = "ratio" in raw and raw["ratio"] is not None, "count" in raw and raw["count"] is not None
    if has_ratio == has_count:
        problems.append(
            problem(field, "exactly one of ratio and count is required", "ratio 与 count 必须且只能填写一个")
        )
    if has_ratio:
        try:
            rule["ratio"] = normalize_ratio(raw["ratio"])
        except ValueError as exc:
            problems.append(problem(f"{field}.ratio", f"ratio {exc}", '比例应为0到1之间的小数字符串，如 "0.05"'))
    if has_count:
        if _is_int(raw["count"]) and raw["count"] >= 0:
            rule["count"] = raw["count"]
        else:
            problems.append(problem(f"{field}.count", "count must be an integer >= 0", "数量应为不小于0的整数"))
    mn, mx = raw.get("min"), raw.get("max")
    if "min" in raw:
        if _is_int(mn) and mn >= 0:
            rule["min"] = mn
        else:
            problems.append(problem(f"{field}.min", "min must be an integer >= 0", "最少抽取数应为不小于0的整数"))
    if mx is not None:
        if _is_int(mx) and mx >= 0:
            rule["max"] = mx
        else:
            problems.append(
                problem(f"{field}.max", "max must be an integer >= 0 or null", "最多抽取数应为不小于0的整数或 null")
            )
    if "min" in rule and "max" in rule and rule["min"] > rule["max"]:
        problems.append(
            problem(
                f"{field}.min",
                f"min ({rule['min']}) is greater than max ({rule['max']})",
                f"最少抽取数（{rule['min']}）大于最多抽取数（{rule['max']}）",
            )
        )
    if "alternates" in raw:
        alt = raw["alternates"]
        if _is_int(alt) and alt >= 0:
            rule["alternates"] = alt
        else:
            problems.append(
                problem(f"{field}.alternates", "alternates must be an integer >= 0", "备选数应为不小于0的整数")
            )
    if not problems:
        try:  # the normalised rule is what the sampling service puts in its announcement
            validate_rule(rule)
        except DrawError as exc:  # the checks above are stricter; tested with a stricter draw-v1
            problems.append(problem(field, exc.detail, "抽取规则无效"))
    return rule, problems


def check_sampling_rules(raw: object, field: str = "sampling_rules") -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """A rule for every credit-risk class, unclassified (U) included, and nothing else."""
    if not isinstance(raw, Mapping):
        return {}, [
            problem(
                field,
                "must be an object with a rule for each of A, B, C, D and U",
                "应为对象，为 A、B、C、D、U 各类分别给出规则",
            )
        ]
    problems: list[Problem] = []
    rules: dict[str, dict[str, Any]] = {}
    for key in raw:
        if key not in CLASSES:
            problems.append(
                problem(
                    f"{field}.{key}", "unknown credit-risk class (A, B, C, D, U)", "未知的信用风险分类（A、B、C、D、U）"
                )
            )
    for c in CLASSES:
        if c not in raw:
            problems.append(
                problem(
                    f"{field}.{c}",
                    f"a rule for class {c} is required (every class, U = unclassified)",
                    f"缺少 {c} 类的抽取规则（每一类都必须有规则，U 为未分类）",
                )
            )
            continue
        rule, errs = check_rule(raw[c], f"{field}.{c}")
        problems += errs
        rules[c] = rule
    return rules, problems


def check_departments(
    departments: Sequence[str], *, lead: str, field: str = "departments"
) -> tuple[list[str], list[Problem]]:
    """Participating departments: codes, no repeats, the lead first."""
    out = [d.strip().upper() for d in departments]
    problems: list[Problem] = []
    bad = [d for d in out if not is_department_code(d)]
    if bad:
        problems.append(problem(field, f"not department codes: {', '.join(bad)}", f"部门代码无效：{'、'.join(bad)}"))
    if len(set(out)) != len(out):
        problems.append(problem(field, "a department is listed twice", "部门重复"))
    if not out or out[0] != lead:
        problems.append(problem(field, f"the lead department {lead} must come first", f"牵头部门 {lead} 必须列在首位"))
    return dedupe(out), problems


def check_team_rules(
    raw: Mapping[str, Any] | None, *, lead: str, departments: Sequence[str], field: str = "team_rules"
) -> tuple[dict[str, Any], list[Problem]]:
    """draw-v1 team rules; defaults: every participating department required, the smallest team, max load 10."""
    raw = dict(raw or {})
    required = raw.get("required_departments")
    required = list(departments) if required is None else [d.strip().upper() for d in required]
    team_size = raw.get("team_size")
    team_size = max(2, len(required)) if team_size is None else team_size
    max_load = raw.get("max_load")
    max_load = DEFAULT_MAX_LOAD if max_load is None else max_load
    rules = {"required_departments": required, "team_size": team_size, "max_load": max_load}
    problems: list[Problem] = []
    f = f"{field}.required_departments"
    if not required:
        problems.append(problem(f, "at least the lead department is required", "至少需要牵头部门"))
    else:
        if required[0] != lead:
            problems.append(problem(f, f"the lead department {lead} must come first", f"牵头部门 {lead} 必须列在首位"))
        if len(set(required)) != len(required):
            problems.append(problem(f, "a department is listed twice", "部门重复"))
        outside = [d for d in required if d not in departments]
        if outside:
            problems.append(
                problem(
                    f,
                    f"not participating in the task: {', '.join(outside)}",
                    f"未参加本任务的部门：{'、'.join(outside)}",
                )
            )
    if not _is_int(team_size) or team_size < 2 or team_size < len(required):
        problems.append(
            problem(
                f"{field}.team_size",
                "team_size must be >= 2 and >= the number of required departments",
                "每组人数应不少于2人，且不少于必需部门数",
            )
        )
    if not _is_int(max_load) or max_load < 1:
        problems.append(
            problem(f"{field}.max_load", "max_load must be an integer >= 1", "每人最多检查户数应为不小于1的整数")
        )
    if not problems:
        try:
            validate_team_rules(rules)
        except DrawError as exc:  # the checks above are stricter; tested with a stricter draw-v1
            problems.append(problem(field, exc.detail, "组队规则无效"))
    return rules, problems


def check_experts(raw: Mapping[str, int], field: str = "experts") -> tuple[dict[str, int], list[Problem]]:
    """How many experts of each field join (an experts draw stratifies by field)."""
    out: dict[str, int] = {}
    problems: list[Problem] = []
    for name, count in raw.items():
        key = name.strip()
        if not key or len(key) > 64 or any(c in key for c in "\t\n\r"):
            problems.append(
                problem(
                    f"{field}.{name}",
                    "a field of expertise has 1-64 characters, no tab or newline",
                    "专业领域应为1至64个字符，不含制表符或换行",
                )
            )
        elif not _is_int(count) or count < 1:
            problems.append(
                problem(f"{field}.{name}", "the number of experts must be an integer >= 1", "专家人数应为不小于1的整数")
            )
        else:
            out[key] = count
    return out, problems


def check_window(start: date, end: date) -> list[Problem]:
    if end < start:
        return [problem("inspection_end", "the inspection window ends before it starts", "检查结束日期早于开始日期")]
    return []


def task_warnings(
    *,
    year: int,
    inspection_start: date,
    inspection_end: date,
    plan_filed_late: bool,
    departments: Sequence[str],
    item_departments: Sequence[str],
) -> list[str]:
    """Things allowed but worth a second look (the regime's deadlines and gaps)."""
    out = []
    if inspection_end > date(inspection_end.year, 10, 31) or inspection_end.year > year:
        out.append(
            "检查窗口在10月31日之后结束（联合抽查应于10月底前完成）/ "
            "inspection window ends after 31 October (joint inspections finish by end of October)"
        )
    if inspection_start.year != year or inspection_end.year != year:
        out.append(f"检查窗口不在计划年度{year}年内 / inspection window is not within the plan year {year}")
    if plan_filed_late:
        out.append("所属年度计划逾期报备（1月31日后）/ the plan was filed late (after 31 January)")
    missing = [d for d in dedupe(list(item_departments)) if d not in departments]
    if missing:
        out.append(
            f"检查单中以下部门的事项不会被检查（未参加本任务）：{'、'.join(missing)} / "
            f"checklist items of {', '.join(missing)} will not be checked: not participating"
        )
    return out


def expected_sizes(rules: Mapping[str, Mapping[str, Any]], population: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Per class: population, draw-v1 sample size (exact decimal arithmetic) and alternates."""
    out = {}
    for c in CLASSES:
        n_pop = population.get(c, 0)
        rule = dict(rules[c])
        n = sample_size(rule, n_pop)
        out[c] = {
            "population": n_pop,
            "expected_sample": n,
            "expected_alternates": min(rule.get("alternates", 0), n_pop - n),
        }
    return out


def team_capacity(
    *,
    expected_entities: int,
    required_departments: Sequence[str],
    team_size: int,
    max_load: int,
    eligible: Mapping[str, int],
) -> dict[str, Any]:
    """Can the pool give every expected entity a lawful team? (draw-v1's arithmetic, before constraints.)

    Each entity needs one inspector of every required department and ``team_size`` in all, and one
    inspector takes at most ``max_load`` entities: so department ``d`` can serve
    ``eligible[d] × max_load`` entities and the pool offers ``Σ eligible × max_load`` seats for the
    ``team_size × entities`` needed. Capacity is *tight* when losing one inspector's load (a recusal,
    a last-inspector bar) would already leave entities out.
    """
    n = expected_entities
    departments = []
    for d in required_departments:
        count = eligible.get(d, 0)
        cap = count * max_load
        departments.append(
            {"department": d, "eligible_inspectors": count, "capacity": cap, "needed": n, "shortfall": max(0, n - cap)}
        )
    pool = sum(eligible.get(d, 0) for d in required_departments)
    seats = pool * max_load
    needed = team_size * n
    short_seats = max(0, needed - seats)
    short_people = max(0, team_size - pool) if n else 0
    sufficient = short_seats == 0 and short_people == 0 and all(d["shortfall"] == 0 for d in departments)
    tight = (
        sufficient and n > 0 and (seats - needed < max_load or any(d["capacity"] - n < max_load for d in departments))
    )
    return {
        "expected_entities": n,
        "team_size": team_size,
        "max_load": max_load,
        "seats_needed": needed,
        "seats_available": seats,
        "seat_shortfall": short_seats,
        "inspectors_short_of_one_team": short_people,
        "by_department": departments,
        "sufficient": sufficient,
        "tight": tight,
    }


def capacity_warnings(capacity: Mapping[str, Any]) -> list[str]:
    out = []
    for d in capacity["by_department"]:
        if d["shortfall"]:
            out.append(
                f"{d['department']} 仅有 {d['eligible_inspectors']} 名可选执法人员，最多检查 {d['capacity']} 户，"
                f"预计需检查 {d['needed']} 户，缺 {d['shortfall']} 户 / {d['department']} has "
                f"{d['eligible_inspectors']} eligible inspectors for at most {d['capacity']} entities; "
                f"{d['needed']} expected, {d['shortfall']} short"
            )
    if capacity["seat_shortfall"]:
        out.append(
            f"共需 {capacity['seats_needed']} 人次，执法人员最多 {capacity['seats_available']} 人次 / "
            f"{capacity['seats_needed']} team seats needed, {capacity['seats_available']} available"
        )
    if capacity["inspectors_short_of_one_team"]:
        out.append(
            f"执法人员不足一个检查组（{capacity['team_size']} 人）/ fewer inspectors than one team "
            f"({capacity['team_size']})"
        )
    if capacity["tight"]:
        out.append(
            "执法人员力量紧张：回避或连续检查限制可能导致部分主体无法组队 / capacity is tight: recusals and "
            "last-inspector bars can still leave entities without a team"
        )
    return out
