"""Result categories of a random inspection (检查结果类别), as published to GSXT (pure).

An inspection's overall result is a *selection* of categories from a hierarchical,
bilingual dictionary. The national list is not published as one document, so the
dictionary is data (:class:`CategoryDictionary`, built from :class:`ResultCategory`
rows — a service may load its own); :data:`DEFAULT_CATEGORIES` is the sound default the
domain brief gives:

* ``no_problem`` 未发现问题 — compliant; selected alone.
* problems: ``info_not_published`` 未按规定公示应当公示的信息, ``info_false``
  公示信息隐瞒真实情况、弄虚作假, ``unreachable`` 通过登记的住所（经营场所）无法联系,
  ``problem_corrected`` 发现问题已责令改正, ``problem_followup`` 发现问题待后续处理 (a
  group: one of its sub-types, each naming the department whose rules were broken),
  ``uncooperative`` 不配合检查情节严重;
* circumstances: ``no_activity`` 未发现开展本次抽查涉及的经营活动,
  ``closed_or_liquidating`` 已关闭停业或正在组织清算;
* status outcomes, group ``entity_status`` (at most one): ``deregistered`` 注销,
  ``licence_revoked`` 被吊销, ``registration_cancelled`` 被撤销, ``moved_out`` 迁出.

A selection is a list of :class:`CategoryChoice` ``(code, department)``;
:meth:`CategoryDictionary.validate_selection` checks it (known codes, leaves only,
``no_problem`` alone, one status outcome, a department exactly where the category names
one) and raises :class:`InvalidResultSelection` (``reason``, ``detail``, ``detail_zh``,
``category``) — the way every code error of :mod:`jointcheck.codes` reports.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from jointcheck.codes.classification import CodeValueError

__all__ = [
    "CATEGORY_CODE_PATTERN",
    "DEFAULT_CATEGORIES",
    "CategoryChoice",
    "CategoryDictionary",
    "CategoryKind",
    "InvalidCategoryDictionary",
    "InvalidResultSelection",
    "ResultCategory",
    "default_dictionary",
    "validate_selection",
]

#: Stable ASCII codes: lower case, digits and underscores, 2–48 characters.
CATEGORY_CODE_PATTERN = r"^[a-z][a-z0-9_]{1,47}$"
_CODE_RE = re.compile(CATEGORY_CODE_PATTERN)
# The department code shape of jointcheck.contracts.DEPT_PATTERN (contracts import this
# package, so the pattern is repeated rather than imported).
_DEPT_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
#: A selection longer than this is refused (the whole dictionary is shorter).
MAX_SELECTION = 32

#: ``compliant``: nothing wrong was found; ``problem``: something was; ``circumstance``: the
#: inspection could not judge the activity (none found, closed); ``status``: the entity's
#: registration ended.
CategoryKind = Literal["compliant", "problem", "circumstance", "status"]


@dataclass(frozen=True, slots=True)
class ResultCategory:
    """One entry of the dictionary.

    A category with children is a *group*: only its leaves are selected. ``exclusive``: a
    selection holding it holds nothing else. ``single_choice`` (on a group): at most one of
    its children. ``names_department``: a selection of it carries the code of the
    department whose rules were broken. ``follow_up``: the result leaves work for the
    competent department (后续处置).
    """

    code: str
    zh: str
    en: str
    parent: str | None = None
    kind: CategoryKind = "problem"
    names_department: bool = False
    exclusive: bool = False
    single_choice: bool = False
    follow_up: bool = False

    @property
    def compliant_outcome(self) -> bool:
        """True for a result that counts as "inspected and compliant" (未发现问题)."""
        return self.kind == "compliant"

    @property
    def problem(self) -> bool:
        """True for a result that says something was found wrong."""
        return self.kind == "problem"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
            "parent": self.parent,
            "kind": self.kind,
            "names_department": self.names_department,
            "exclusive": self.exclusive,
            "single_choice": self.single_choice,
            "follow_up": self.follow_up,
        }


class CategoryChoice(NamedTuple):
    """One selected category; ``department`` only for a category that names one."""

    code: str
    department: str | None = None


class InvalidResultSelection(CodeValueError):
    """A selection of result categories breaks a rule.

    ``reason``: ``empty``, ``too_many``, ``malformed``, ``unknown``, ``not_selectable``,
    ``duplicate``, ``exclusive``, ``single_choice``, ``department_required``,
    ``department_not_allowed``, ``department_invalid``, ``department_unknown``.
    ``category``: the code at fault, when one is.
    """

    kind = "result category selection"

    def __init__(self, value: object, reason: str, detail: str, detail_zh: str, *, category: str | None = None) -> None:
        super().__init__(value, reason, detail, detail_zh)
        self.category = category


class InvalidCategoryDictionary(ValueError):
    """A dictionary definition is inconsistent (a configuration error, found at load time)."""


DEFAULT_CATEGORIES: tuple[ResultCategory, ...] = (
    ResultCategory("no_problem", "未发现问题", "No problem found", kind="compliant", exclusive=True),
    ResultCategory(
        "info_not_published",
        "未按规定公示应当公示的信息",
        "Information that must be made public was not published as required",
    ),
    ResultCategory("info_false", "公示信息隐瞒真实情况、弄虚作假", "Published information conceals facts or is false"),
    ResultCategory(
        "unreachable",
        "通过登记的住所（经营场所）无法联系",
        "Cannot be reached at the registered domicile (place of business)",
    ),
    ResultCategory("problem_corrected", "发现问题已责令改正", "Problem found, ordered corrected and corrected"),
    ResultCategory("problem_followup", "发现问题待后续处理", "Problem found, pending follow-up", follow_up=True),
    ResultCategory(
        "problem_followup_case",
        "发现问题待后续处理（违反部门规定，立案查处）",
        "Problem found, pending follow-up: the department's rules were broken, a case is opened",
        parent="problem_followup",
        names_department=True,
        follow_up=True,
    ),
    ResultCategory(
        "problem_followup_rectify",
        "发现问题待后续处理（违反部门规定，责令限期整改）",
        "Problem found, pending follow-up: the department's rules were broken, rectification ordered by a deadline",
        parent="problem_followup",
        names_department=True,
        follow_up=True,
    ),
    ResultCategory(
        "problem_followup_transfer",
        "发现问题待后续处理（违反部门规定，移送主管部门）",
        "Problem found, pending follow-up: the department's rules were broken, transferred to it",
        parent="problem_followup",
        names_department=True,
        follow_up=True,
    ),
    ResultCategory("uncooperative", "不配合检查情节严重", "Seriously refused to cooperate with the inspection"),
    ResultCategory(
        "no_activity",
        "未发现开展本次抽查涉及的经营活动",
        "No business activity of the kind this inspection covers was found",
        kind="circumstance",
    ),
    ResultCategory(
        "closed_or_liquidating",
        "已关闭停业或正在组织清算",
        "Closed, out of business or in liquidation",
        kind="circumstance",
    ),
    ResultCategory(
        "entity_status", "主体登记状态", "Registration status of the entity", kind="status", single_choice=True
    ),
    ResultCategory("deregistered", "注销", "Deregistered", parent="entity_status", kind="status"),
    ResultCategory("licence_revoked", "被吊销", "Business licence revoked", parent="entity_status", kind="status"),
    ResultCategory("registration_cancelled", "被撤销", "Registration cancelled", parent="entity_status", kind="status"),
    ResultCategory("moved_out", "迁出", "Moved out of the jurisdiction", parent="entity_status", kind="status"),
)


def _choice(raw: object) -> CategoryChoice:
    """A choice from a CategoryChoice, a (code, department) pair, a mapping or an object with
    ``code`` and ``department`` attributes (a contract model)."""
    if isinstance(raw, CategoryChoice):
        return raw
    if isinstance(raw, str):
        return CategoryChoice(raw)
    if isinstance(raw, Mapping):
        code, department = raw.get("code"), raw.get("department")
    elif isinstance(raw, Sequence) and len(raw) in (1, 2):
        code, department = raw[0], (raw[1] if len(raw) == 2 else None)
    elif hasattr(raw, "code"):
        code, department = raw.code, getattr(raw, "department", None)
    else:
        code, department = None, None
    if not isinstance(code, str) or not (department is None or isinstance(department, str)):
        raise InvalidResultSelection(
            raw,
            "malformed",
            "each selected category is a code with an optional department code",
            "每个结果类别应为类别代码，可附部门代码",
        )
    return CategoryChoice(code, department)


@dataclass(frozen=True)
class CategoryDictionary:
    """A validated, hierarchical dictionary of result categories (order kept for display)."""

    categories: tuple[ResultCategory, ...]
    _by_code: dict[str, ResultCategory] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code: dict[str, ResultCategory] = {}
        children: dict[str, list[str]] = {}
        for cat in self.categories:
            if not isinstance(cat.code, str) or not _CODE_RE.match(cat.code):
                raise InvalidCategoryDictionary(f"category code {cat.code!r} is not {CATEGORY_CODE_PATTERN}")
            if cat.code in by_code:
                raise InvalidCategoryDictionary(f"category {cat.code!r} is defined twice")
            if not cat.zh.strip() or not cat.en.strip():
                raise InvalidCategoryDictionary(f"category {cat.code!r} needs both a Chinese and an English label")
            if cat.parent is not None:
                parent = by_code.get(cat.parent)
                if parent is None:  # parents come first, so there can be no cycle
                    raise InvalidCategoryDictionary(
                        f"category {cat.code!r}: parent {cat.parent!r} is not defined before it"
                    )
                if parent.names_department or parent.exclusive:
                    raise InvalidCategoryDictionary(
                        f"category {cat.parent!r} has children, so it cannot name a department or be exclusive"
                    )
                children.setdefault(cat.parent, []).append(cat.code)
            by_code[cat.code] = cat
        for code, cat in by_code.items():
            if cat.single_choice and code not in children:
                raise InvalidCategoryDictionary(f"category {code!r} is single_choice but has no children")
        if not by_code:
            raise InvalidCategoryDictionary("a dictionary needs at least one category")
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> CategoryDictionary:
        """From rows (a table, a JSON file) with :class:`ResultCategory`'s field names."""
        fields = set(ResultCategory.__dataclass_fields__)
        cats = []
        for rec in records:
            unknown = set(rec) - fields
            if unknown:
                raise InvalidCategoryDictionary(f"unknown fields {sorted(unknown)} in category {rec.get('code')!r}")
            cats.append(ResultCategory(**rec))
        return cls(tuple(cats))

    def __iter__(self) -> Iterator[ResultCategory]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> ResultCategory | None:
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> ResultCategory:
        return self._by_code[code]

    def children(self, code: str) -> tuple[str, ...]:
        return self._children.get(code, ())

    def is_selectable(self, code: str) -> bool:
        """True for a known leaf (groups are chosen through one of their children)."""
        return code in self._by_code and code not in self._children

    def selectable(self) -> tuple[ResultCategory, ...]:
        return tuple(c for c in self.categories if c.code not in self._children)

    def root_of(self, code: str) -> ResultCategory:
        cat = self._by_code[code]
        while cat.parent is not None:
            cat = self._by_code[cat.parent]
        return cat

    def label(
        self, choice: CategoryChoice | tuple[str, str | None], *, department_name: str | None = None
    ) -> tuple[str, str]:
        """``(zh, en)`` of a choice as published: a sub-type names its department
        (``department_name``, e.g. 市场监管局, else the department code)."""
        code, department = _choice(choice)
        cat = self._by_code[code]
        if not cat.names_department or not department:
            return cat.zh, cat.en
        who = department_name or department
        return f"{cat.zh}：{who}", f"{cat.en}: {who}"

    def validate_selection(
        self, selection: Iterable[object], *, departments: Collection[str] | None = None
    ) -> list[CategoryChoice]:
        """The selection as :class:`CategoryChoice` rows, in the order given, or
        :class:`InvalidResultSelection` naming the first rule broken.

        Rules: at least one and at most ``MAX_SELECTION`` choices; every code known and a
        leaf; no choice twice; an ``exclusive`` category (``no_problem``) alone; at most one
        child of a ``single_choice`` group; a department code exactly on categories that
        name a department — and, when ``departments`` is given, one of those (the task's).
        The same sub-type may be chosen for several departments.
        """
        if isinstance(selection, (str, bytes, Mapping)):
            raise InvalidResultSelection(
                selection, "malformed", "a selection is a list of categories", "结果类别应为列表"
            )
        choices = [_choice(raw) for raw in selection]
        if not choices:
            raise InvalidResultSelection(
                choices, "empty", "select at least one result category", "至少选择一个检查结果类别"
            )
        if len(choices) > MAX_SELECTION:
            raise InvalidResultSelection(
                len(choices),
                "too_many",
                f"at most {MAX_SELECTION} result categories may be selected, got {len(choices)}",
                f"检查结果类别最多选择{MAX_SELECTION}个，实际{len(choices)}个",
            )
        seen: set[CategoryChoice] = set()
        for choice in choices:
            self._check_choice(choice, departments)
            if choice in seen:
                dept = f" for {choice.department}" if choice.department else ""
                dept_zh = f"（{choice.department}）" if choice.department else ""
                raise InvalidResultSelection(
                    choice,
                    "duplicate",
                    f"result category {choice.code!r}{dept} is selected twice",
                    f"检查结果类别“{self._by_code[choice.code].zh}”{dept_zh}重复选择",
                    category=choice.code,
                )
            seen.add(choice)
        codes = {c.code for c in choices}
        for code in codes:
            cat = self._by_code[code]
            if cat.exclusive and len(codes) > 1:
                others = sorted(codes - {code})
                raise InvalidResultSelection(
                    sorted(codes),
                    "exclusive",
                    f"{code!r} ({cat.en}) cannot be selected with other categories: {', '.join(others)}",
                    f"“{cat.zh}”不能与其他检查结果类别同时选择：{'、'.join(self._by_code[o].zh for o in others)}",
                    category=code,
                )
        by_group: dict[str, list[str]] = {}
        for code in codes:
            parent = self._by_code[code].parent
            if parent is not None and self._by_code[parent].single_choice:
                by_group.setdefault(parent, []).append(code)
        for group, members in by_group.items():
            if len(members) > 1:
                g = self._by_code[group]
                members.sort()
                raise InvalidResultSelection(
                    members,
                    "single_choice",
                    f"at most one of {g.code!r} ({g.en}) may be selected, got {', '.join(members)}",
                    f"“{g.zh}”只能选择一项，实际选择了{'、'.join(self._by_code[m].zh for m in members)}",
                    category=group,
                )
        return choices

    def _check_choice(self, choice: CategoryChoice, departments: Collection[str] | None) -> None:
        code, department = choice
        cat = self._by_code.get(code)
        if cat is None:
            shown = code if len(code) <= 64 else code[:64] + "…"
            raise InvalidResultSelection(
                shown, "unknown", f"unknown result category {shown!r}", f"检查结果类别“{shown}”不存在", category=shown
            )
        if code in self._children:
            kids = ", ".join(self._children[code])
            raise InvalidResultSelection(
                code,
                "not_selectable",
                f"{code!r} ({cat.en}) is a group: select one of {kids}",
                f"“{cat.zh}”为分类，请选择其下的具体类别：{'、'.join(self._by_code[k].zh for k in self._children[code])}",
                category=code,
            )
        if cat.names_department:
            if not department:
                raise InvalidResultSelection(
                    choice,
                    "department_required",
                    f"{code!r} ({cat.en}) names the department whose rules were broken: give its code",
                    f"“{cat.zh}”须注明违反其规定的部门",
                    category=code,
                )
            if not _DEPT_RE.match(department):
                shown = department if len(department) <= 32 else department[:32] + "…"
                raise InvalidResultSelection(
                    choice,
                    "department_invalid",
                    f"{shown!r} is not a department code",
                    f"“{shown}”不是有效的部门代码",
                    category=code,
                )
            if departments is not None and department not in departments:
                raise InvalidResultSelection(
                    choice,
                    "department_unknown",
                    f"department {department} of {code!r} is not one of {', '.join(sorted(departments))}",
                    f"“{cat.zh}”注明的部门 {department} 不在允许范围内（{'、'.join(sorted(departments))}）",
                    category=code,
                )
        elif department is not None:
            raise InvalidResultSelection(
                choice,
                "department_not_allowed",
                f"{code!r} ({cat.en}) names no department, got {department[:32]!r}",
                f"“{cat.zh}”无需注明部门",
                category=code,
            )

    def needs_follow_up(self, selection: Iterable[object]) -> bool:
        """True if a (valid) selection holds a result that leaves work for a department."""
        return any(self._by_code[_choice(c).code].follow_up for c in selection)

    def is_compliant(self, selection: Iterable[object]) -> bool:
        """True if a (valid) selection is "no problem found"."""
        choices = [_choice(c) for c in selection]
        return bool(choices) and all(self._by_code[c.code].compliant_outcome for c in choices)


_DEFAULT = CategoryDictionary(DEFAULT_CATEGORIES)


def default_dictionary() -> CategoryDictionary:
    """The dictionary of :data:`DEFAULT_CATEGORIES`."""
    return _DEFAULT


def validate_selection(
    selection: Iterable[object],
    *,
    dictionary: CategoryDictionary | None = None,
    departments: Collection[str] | None = None,
) -> list[CategoryChoice]:
    """:meth:`CategoryDictionary.validate_selection` on ``dictionary`` (default: the defaults)."""
    return (dictionary or _DEFAULT).validate_selection(selection, departments=departments)
