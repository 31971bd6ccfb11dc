"""Classification codes and controlled terms of the entity directory (名录库).

* GB/T 4754-2017 industry codes (国民经济行业分类): section letter A–T, 2-digit division,
  3-digit group, 4-digit class; canonical form is the letter followed by the digits
  (``F5251``), the letter alone for a section (``F``).
* GB/T 2260 administrative division codes (行政区划代码): 6 digits,
  province/prefecture/county (新县 = ``411523``).
* Entity types, registration statuses and credit-risk classes as enums with Chinese
  labels, and tolerant parsers for the terms found in real directory files.
* ``parse_date_loose`` for the date spellings those files use.

All functions are pure. Normalisers return the canonical form or raise a ``ValueError``
subclass carrying ``reason`` (machine-readable), ``detail`` (English) and ``detail_zh``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata

__all__ = [
    "PROVINCE_CODES",
    "SECTION_DIVISIONS",
    "SECTION_LABELS",
    "CodeValueError",
    "CreditClass",
    "EntityType",
    "InvalidDate",
    "InvalidDivisionCode",
    "InvalidIndustryCode",
    "RegistrationStatus",
    "UnknownTerm",
    "division_prefix_matches",
    "industry_prefix_matches",
    "is_valid_division_code",
    "is_valid_industry_code",
    "normalize_division_code",
    "normalize_industry_code",
    "parse_credit_class",
    "parse_date_loose",
    "parse_entity_type",
    "parse_registration_status",
    "section_for_division",
    "validate_division_code",
    "validate_industry_code",
]


class CodeValueError(ValueError):
    """Base of the errors raised here: ``value`` examined, ``reason``, ``detail``, ``detail_zh``."""

    kind = "value"

    def __init__(self, value: object, reason: str, detail: str, detail_zh: str) -> None:
        super().__init__(f"invalid {self.kind} {value!r}: {detail}")
        self.value = value
        self.reason = reason
        self.detail = detail
        self.detail_zh = detail_zh


class InvalidIndustryCode(CodeValueError):
    """Not a well-formed GB/T 4754-2017 industry code."""

    kind = "industry code"


class InvalidDivisionCode(CodeValueError):
    """Not a plausible GB/T 2260 division code."""

    kind = "division code"


class UnknownTerm(CodeValueError):
    """A controlled term (entity type, status, credit class) that no rule recognises."""

    kind = "term"


class InvalidDate(CodeValueError):
    """A date in none of the accepted spellings, or not a real calendar date."""

    kind = "date"


def _clean(raw: str) -> str:
    """NFKC (full-width → half-width) and remove all whitespace."""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).replace("\ufeff", "").replace("\u200b", "")
    return "".join(raw.split())


# --------------------------------------------------------------------------- industry

#: Division ranges (inclusive) of each GB/T 4754-2017 section.
SECTION_DIVISIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

#: Chinese names of the sections (门类).
SECTION_LABELS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

_SECTION_OF_DIVISION: dict[str, str] = {
    f"{d:02d}": letter for letter, (lo, hi) in SECTION_DIVISIONS.items() for d in range(lo, hi + 1)
}
_INDUSTRY_RE = re.compile(r"([A-Za-z]?)(\d*)")
_canonical_industry_cache: dict[str, str] = {}


def section_for_division(division: str) -> str:
    """Section letter of a 2-digit division (``"52"`` → ``"F"``)."""
    try:
        return _SECTION_OF_DIVISION[division]
    except KeyError:
        raise InvalidIndustryCode(
            division,
            "division",
            f"division {division!r} does not exist (01–97)",
            f"行业大类“{division}”不存在（01–97）",
        ) from None


def _normalize_industry(raw: str) -> str:
    s = _clean(raw).upper()
    m = _INDUSTRY_RE.fullmatch(s)
    if not s or m is None:
        raise InvalidIndustryCode(
            raw,
            "format",
            "expected a section letter and/or 2–4 digits, e.g. F5251 or 5251",
            "应为门类字母和/或2–4位数字，如 F5251 或 5251",
        )
    letter, digits = m.groups()
    if letter and letter not in SECTION_DIVISIONS:
        raise InvalidIndustryCode(
            raw,
            "section",
            f"unknown section letter {letter!r} (A–T)",
            f"门类字母“{letter}”不存在（A–T）",
        )
    if len(digits) not in ((0, 2, 3, 4) if letter else (2, 3, 4)):
        raise InvalidIndustryCode(
            raw,
            "length",
            f"expected 2, 3 or 4 digits after the section letter, got {len(digits)}",
            f"门类字母后应为2、3或4位数字，实际为{len(digits)}位",
        )
    if not digits:
        return letter
    expected = _SECTION_OF_DIVISION.get(digits[:2])
    if expected is None:
        raise InvalidIndustryCode(
            raw,
            "division",
            f"division {digits[:2]!r} does not exist (01–97)",
            f"行业大类“{digits[:2]}”不存在（01–97）",
        )
    if letter and letter != expected:
        raise InvalidIndustryCode(
            raw,
            "section_mismatch",
            f"section {letter!r} does not match division {digits[:2]} (section {expected})",
            f"门类“{letter}”与大类“{digits[:2]}”不符（应为门类{expected}）",
        )
    return expected + digits


def normalize_industry_code(raw: str) -> str:
    """Canonical industry code: ``"f5251 "`` / ``"5251"`` / ``"Ｆ５２５１"`` → ``"F5251"``.

    Accepts a section letter alone, or letter (optional) + 2, 3 or 4 digits. The letter
    is derived from the division when missing and must match it when present.
    """
    if not isinstance(raw, str):
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        else:
            raise InvalidIndustryCode(raw, "type", "not a string", "不是字符串")
    hit = _canonical_industry_cache.get(raw)
    if hit is not None:
        return hit
    code = _normalize_industry(raw)
    if len(_canonical_industry_cache) < 10_000:
        _canonical_industry_cache[raw] = code
    return code


def validate_industry_code(code: str) -> None:
    """Raise InvalidIndustryCode unless ``code`` is already in canonical form."""
    canonical = normalize_industry_code(code)
    if canonical != code:
        raise InvalidIndustryCode(
            code,
            "not_canonical",
            f"not in canonical form (would be {canonical!r})",
            f"不是规范形式（应为“{canonical}”）",
        )


def is_valid_industry_code(code: str) -> bool:
    """True if ``code`` is a canonical industry code."""
    try:
        validate_industry_code(code)
    except InvalidIndustryCode:
        return False
    return True


def industry_prefix_matches(code: str, prefix: str) -> bool:
    """True if industry ``code`` lies within ``prefix`` (codes nest: F ⊃ F52 ⊃ F525 ⊃ F5251).

    Both arguments are normalised first, so ``industry_prefix_matches("f5251", "52")`` holds.
    """
    return normalize_industry_code(code).startswith(normalize_industry_code(prefix))


# --------------------------------------------------------------------------- division

#: First two digits of GB/T 2260 codes of the provinces, autonomous regions,
#: municipalities and special administrative regions (and Taiwan, 71).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip


def validate_division_code(code: str) -> None:
    """Raise InvalidDivisionCode unless ``code`` is a plausible canonical division code.

    Six ASCII digits; the province part is one of :data:`PROVINCE_CODES` (all within
    11–82); a county part requires a prefecture part (``xx00yy`` does not exist).
    """
    if not isinstance(code, str):
        raise InvalidDivisionCode(code, "type", "not a string", "不是字符串")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidDivisionCode(code, "format", "expected 6 digits", "应为6位数字")
    if code == "000000":
        raise InvalidDivisionCode(code, "zero", "all zeros", "全为0")
    if code[:2] not in PROVINCE_CODES:
        raise InvalidDivisionCode(
            code,
            "province",
            f"province part {code[:2]!r} does not exist",
            f"省级代码“{code[:2]}”不存在",
        )
    if code[2:4] == "00" and code[4:] != "00":
        raise InvalidDivisionCode(
            code,
            "structure",
            "county part without a prefecture part",
            "县级代码缺少地级代码",
        )


def is_valid_division_code(code: str) -> bool:
    """True if ``code`` is a plausible canonical division code."""
    try:
        validate_division_code(code)
    except InvalidDivisionCode:
        return False
    return True


def normalize_division_code(raw: str | int) -> str:
    """Canonical 6-digit division code from a typed or imported value, validated.

    Removes whitespace, converts full-width digits, accepts an ``int`` and the ``.0``
    suffix spreadsheets add to numbers (``"411523.0"``).
    """
    if isinstance(raw, bool):
        raise InvalidDivisionCode(raw, "type", "not a string", "不是字符串")
    if isinstance(raw, int):
        s = str(raw)
    elif isinstance(raw, float) and raw.is_integer():
        s = str(int(raw))
    elif isinstance(raw, str):
        s = _clean(raw)
        if s.endswith(".0"):
            s = s[:-2]
    else:
        raise InvalidDivisionCode(raw, "type", "not a string", "不是字符串")
    validate_division_code(s)
    return s


def _division_prefix(prefix: str | int) -> str:
    s = str(prefix) if isinstance(prefix, int) and not isinstance(prefix, bool) else prefix
    if not isinstance(s, str):
        raise InvalidDivisionCode(prefix, "type", "not a string", "不是字符串")
    s = _clean(s)
    if len(s) not in (2, 4, 6) or not s.isascii() or not s.isdigit():
        raise InvalidDivisionCode(
            prefix,
            "prefix",
            "a division prefix has 2, 4 or 6 digits",
            "行政区划前缀应为2、4或6位数字",
        )
    if len(s) == 6:
        # "410000" means the whole province, "411500" the whole prefecture.
        while len(s) > 2 and s.endswith("00"):
            s = s[:-2]
    if s[:2] not in PROVINCE_CODES:
        raise InvalidDivisionCode(
            prefix, "province", f"province part {s[:2]!r} does not exist", f"省级代码“{s[:2]}”不存在"
        )
    return s


def division_prefix_matches(code: str | int, prefix: str | int) -> bool:
    """True if division ``code`` lies within ``prefix``.

    ``prefix`` may be 2 digits (province ``"41"``), 4 (prefecture ``"4115"``), 6
    (a county, or a province/prefecture padded with zeros: ``"410000"``, ``"411500"``).
    """
    return normalize_division_code(code).startswith(_division_prefix(prefix))


# --------------------------------------------------------------------------- terms


class EntityType(enum.StrEnum):
    """Type of market entity (市场主体类型)."""

    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    FARMERS_COOPERATIVE = "farmers_cooperative"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Chinese label."""
        return _ENTITY_TYPE_LABELS[self]


_ENTITY_TYPE_LABELS = {
    EntityType.ENTERPRISE: "企业",
    EntityType.INDIVIDUAL_BUSINESS: "个体工商户",
    EntityType.FARMERS_COOPERATIVE: "农民专业合作社",
    EntityType.OTHER: "其他",
}


class RegistrationStatus(enum.StrEnum):
    """Registration status (登记状态)."""

    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    MOVED_OUT = "moved_out"

    @property
    def label(self) -> str:
        """Chinese label."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    RegistrationStatus.ACTIVE: "存续",
    RegistrationStatus.DEREGISTERED: "注销",
    RegistrationStatus.REVOKED: "吊销",
    RegistrationStatus.CANCELLED: "撤销",
    RegistrationStatus.MOVED_OUT: "迁出",
}


class CreditClass(enum.StrEnum):
    """Credit-risk class (信用风险分类, 国市监信发〔2022〕6号); "no class yet" is ``None``."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        """Chinese label."""
        return _CREDIT_LABELS[self]


_CREDIT_LABELS = {
    CreditClass.A: "信用风险低（A类）",
    CreditClass.B: "信用风险一般（B类）",
    CreditClass.C: "信用风险较高（C类）",
    CreditClass.D: "信用风险高（D类）",
}


def _term_table(pairs: dict) -> dict[str, object]:
    table: dict[str, object] = {}
    for value, terms in pairs.items():
        for term in terms:
            table[term] = value
            table[term.upper()] = value
    return table


_ENTITY_TYPE_TERMS = _term_table(
    {
        EntityType.ENTERPRISE: [
            "enterprise", "企业", "公司", "有限责任公司", "有限公司", "股份有限公司",
            "个人独资企业", "合伙企业", "普通合伙企业", "有限合伙企业", "分公司",
            "非公司企业法人", "企业法人", "全民所有制", "集体所有制", "股份合作制",
            "联营", "外商投资企业", "内资企业", "私营企业",
        ],
        EntityType.INDIVIDUAL_BUSINESS: ["individual_business", "个体工商户", "个体", "个体户", "个体经营"],
        EntityType.FARMERS_COOPERATIVE: [
            "farmers_cooperative", "农民专业合作社", "合作社", "专业合作社", "农民专业合作社分社",
        ],
        EntityType.OTHER: ["other", "其他", "其它"],
    }
)  # fmt: skip
# Fallback keywords for the long forms, e.g. "有限责任公司（自然人投资或控股）"; order matters.
_ENTITY_TYPE_KEYWORDS = (
    ("合作社", EntityType.FARMERS_COOPERATIVE),
    ("个体", EntityType.INDIVIDUAL_BUSINESS),
    ("公司", EntityType.ENTERPRISE),
    ("企业", EntityType.ENTERPRISE),
    ("合伙", EntityType.ENTERPRISE),
    ("所有制", EntityType.ENTERPRISE),
    ("联营", EntityType.ENTERPRISE),
    ("法人", EntityType.ENTERPRISE),
)


def parse_entity_type(raw: str) -> EntityType:
    """Entity type from a Chinese (or English enum) term.

    Exact terms first (企业, 有限责任公司, 股份有限公司, 个人独资企业, 合伙企业, 分公司,
    非公司企业法人, 个体工商户, 个体, 农民专业合作社, 合作社, 其他, …), then keywords for
    the long official forms such as ``有限责任公司（自然人投资或控股）``.
    """
    if isinstance(raw, EntityType):
        return raw
    hit = _ENTITY_TYPE_TERMS.get(raw)
    if hit is not None:
        return hit  # type: ignore[return-value]
    s = _clean(raw) if isinstance(raw, str) else ""
    hit = _ENTITY_TYPE_TERMS.get(s) or _ENTITY_TYPE_TERMS.get(s.upper())
    if hit is not None:
        return hit  # type: ignore[return-value]
    for keyword, value in _ENTITY_TYPE_KEYWORDS:
        if keyword in s:
            return value
    raise UnknownTerm(raw, "entity_type", "unknown entity type", f"无法识别的市场主体类型“{raw}”")


_STATUS_TERMS = _term_table(
    {
        RegistrationStatus.ACTIVE: [
            "active", "存续", "在营", "开业", "在业", "在册", "存续(在营、开业、在册)", "正常",
        ],
        RegistrationStatus.DEREGISTERED: ["deregistered", "注销", "已注销", "吊销,已注销"],
        RegistrationStatus.REVOKED: ["revoked", "吊销", "被吊销", "已吊销", "吊销,未注销"],
        RegistrationStatus.CANCELLED: ["cancelled", "撤销", "被撤销", "已撤销", "撤销登记"],
        RegistrationStatus.MOVED_OUT: ["moved_out", "迁出", "已迁出"],
    }
)  # fmt: skip
_STATUS_KEYWORDS = (
    ("已注销", RegistrationStatus.DEREGISTERED),
    ("吊销", RegistrationStatus.REVOKED),
    ("撤销", RegistrationStatus.CANCELLED),
    ("注销", RegistrationStatus.DEREGISTERED),
    ("迁出", RegistrationStatus.MOVED_OUT),
    ("存续", RegistrationStatus.ACTIVE),
    ("在营", RegistrationStatus.ACTIVE),
    ("开业", RegistrationStatus.ACTIVE),
    ("在业", RegistrationStatus.ACTIVE),
)


def parse_registration_status(raw: str) -> RegistrationStatus:
    """Registration status from a Chinese term: 存续/在营/开业/在业 → active, 注销 →
    deregistered, 吊销/被吊销 → revoked, 撤销/被撤销 → cancelled, 迁出 → moved_out; also the
    GSXT long forms ``存续（在营、开业、在册）``, ``吊销，未注销`` and ``吊销，已注销``.
    """
    if isinstance(raw, RegistrationStatus):
        return raw
    hit = _STATUS_TERMS.get(raw)
    if hit is not None:
        return hit  # type: ignore[return-value]
    s = _clean(raw) if isinstance(raw, str) else ""
    hit = _STATUS_TERMS.get(s) or _STATUS_TERMS.get(s.upper())
    if hit is not None:
        return hit  # type: ignore[return-value]
    for keyword, value in _STATUS_KEYWORDS:
        if keyword in s:
            return value
    raise UnknownTerm(raw, "registration_status", "unknown registration status", f"无法识别的登记状态“{raw}”")


_NO_CLASS = object()
_CREDIT_TERMS = _term_table(
    {
        CreditClass.A: ["A", "A类", "A级", "低风险", "信用风险低", "低"],
        CreditClass.B: ["B", "B类", "B级", "一般风险", "信用风险一般", "一般"],
        CreditClass.C: ["C", "C类", "C级", "较高风险", "信用风险较高", "较高"],
        CreditClass.D: ["D", "D类", "D级", "高风险", "信用风险高", "高"],
        _NO_CLASS: ["", "未分类", "暂未分类", "未评定", "暂无", "无", "-", "—", "/", "none", "null"],
    }
)  # fmt: skip


def parse_credit_class(raw: str | None) -> CreditClass | None:
    """Credit-risk class, or None for "no class yet".

    Accepts ``A``/``a``/``A类``/``A级``/``Ａ``, 低风险 → A, 一般风险 → B, 较高风险 → C,
    高风险 → D, and empty / 未分类 / 无 / ``-`` → None.
    """
    if raw is None:
        return None
    if isinstance(raw, CreditClass):
        return raw
    hit = _CREDIT_TERMS.get(raw)
    if hit is None and isinstance(raw, str):
        s = _clean(raw)
        hit = _CREDIT_TERMS.get(s) or _CREDIT_TERMS.get(s.upper())
    if hit is None:
        raise UnknownTerm(raw, "credit_class", "unknown credit-risk class", f"无法识别的信用风险分类“{raw}”")
    return None if hit is _NO_CLASS else hit  # type: ignore[return-value]


# --------------------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date_loose(raw: str | dt.date) -> dt.date:
    """A date from the spellings found in directory files.

    ``2024-01-05``, ``2024/1/5``, ``2024.1.5``, ``20240105``, ``2024年1月5日``, full-width
    digits, an optional time after the date (``2024/1/5 0:00``, spreadsheet exports), and
    ``date``/``datetime`` objects (openpyxl cells). Years outside 1900–2099 and impossible
    dates (``2023-02-30``) raise InvalidDate.
    """
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise InvalidDate(raw, "type", "not a string or date", "不是字符串或日期")
    s = raw.strip()
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            d = dt.date.fromisoformat(s)
        except ValueError:
            pass
        else:
            if 1900 <= d.year <= 2099:
                return d
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s).strip()
    m = _DATE_RE.fullmatch(s) or _COMPACT_DATE_RE.fullmatch(s)
    if m is None:
        raise InvalidDate(
            raw,
            "format",
            "expected a date such as 2024-01-05, 2024/1/5, 20240105 or 2024年1月5日",
            "日期格式无法识别（如 2024-01-05、2024/1/5、20240105、2024年1月5日）",
        )
    year, month, day = (int(g) for g in m.groups())
    if not 1900 <= year <= 2099:
        raise InvalidDate(raw, "range", f"year {year} out of range 1900–2099", f"年份{year}超出范围（1900–2099）")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidDate(
            raw, "calendar", f"no such date {year}-{month}-{day}", f"日期不存在：{year}年{month}月{day}日"
        ) from None
