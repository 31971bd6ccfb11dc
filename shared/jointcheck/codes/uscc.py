"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Layout of the 18 characters (1-based positions):

* 1      registering authority (登记管理部门代码), e.g. ``9`` market regulation (市场监管);
* 2      entity category under that authority (机构类别代码), e.g. ``1`` enterprise;
* 3–8    GB/T 2260 administrative division of the registering office;
* 9–17   organisation code (主体标识码, the former 组织机构代码 body);
* 18     check character.

Alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z), values 0–30; the check
character makes ``sum(value_i * 3**(i-1)) + value_18 ≡ 0 (mod 31)``. Because 31 is prime
and the weights 3**0 … 3**16 are distinct non-zero residues, every single-character
substitution is detected, and so is every transposition of two different characters
except one swapping positions 1 and 18 (both have weight 1).

Everything here is pure: no I/O, no global state. Validation works on the canonical form;
call :func:`normalize_uscc` first on anything typed by a person or read from a file.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from operator import mul as _mul

from jointcheck.codes.classification import EntityType

__all__ = [
    "AUTHORITIES",
    "CATEGORIES",
    "USCC_ALPHABET",
    "USCC_LENGTH",
    "USCC_WEIGHTS",
    "InvalidUSCC",
    "USCCParts",
    "check_character",
    "entity_type_for_uscc",
    "is_valid_uscc",
    "make_uscc",
    "normalize_uscc",
    "parse_uscc",
    "validate_uscc",
]

log = logging.getLogger("jointcheck.codes.uscc")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_EXCLUDED_LETTERS = frozenset("IOSVZ")

#: Registering authorities (position 1) with Chinese labels.
AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监督管理（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

#: Entity categories (position 2) allowed under each authority, with Chinese labels.
CATEGORIES: dict[str, dict[str, str]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

# Only the market-regulation categories map obviously onto the registry's entity types.
_ENTITY_TYPE_BY_PREFIX = {
    "91": EntityType.ENTERPRISE,
    "92": EntityType.INDIVIDUAL_BUSINESS,
    "93": EntityType.FARMERS_COOPERATIVE,
}

# Characters removed by normalisation besides str.isspace(): zero-width space/joiners, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


class InvalidUSCC(ValueError):
    """A string is not a valid unified social credit code.

    Attributes: ``code`` (the string examined), ``reason`` (machine-readable: ``type``,
    ``length``, ``character``, ``authority``, ``category``, ``division``, ``check``),
    ``position`` (1-based, where relevant), ``expected`` / ``got`` (for ``check``),
    ``detail`` (English) and ``detail_zh`` (Chinese).
    """

    def __init__(
        self,
        code: object,
        reason: str,
        detail: str,
        detail_zh: str,
        *,
        position: int | None = None,
        expected: str | None = None,
        got: str | None = None,
    ) -> None:
        super().__init__(f"invalid unified social credit code {code!r}: {detail}")
        self.code = code
        self.reason = reason
        self.detail = detail
        self.detail_zh = detail_zh
        self.position = position
        self.expected = expected
        self.got = got


@dataclass(frozen=True, slots=True)
class USCCParts:
    """The fields of a valid code (see the module docstring for positions)."""

    code: str
    authority: str
    category: str
    division_code: str
    organisation_code: str
    check: str

    @property
    def authority_label(self) -> str:
        """Chinese name of the registering authority (登记管理部门)."""
        return AUTHORITIES[self.authority]

    @property
    def category_label(self) -> str:
        """Chinese name of the entity category (机构类别)."""
        return CATEGORIES[self.authority][self.category]

    @property
    def entity_type(self) -> EntityType | None:
        """Registry entity type implied by positions 1–2, or None where not obvious."""
        return _ENTITY_TYPE_BY_PREFIX.get(self.code[:2])


def _check_chars(code: str) -> None:
    """Raise InvalidUSCC for the first character outside the alphabet (callers check the length)."""
    for i, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            if ch.upper() in _VALUE:
                hint, hint_zh = " (lower case; normalise first)", "（小写字母，请先规范化）"
            elif ch.upper() in _EXCLUDED_LETTERS:
                hint, hint_zh = " (I, O, S, V and Z are never used)", "（代码不使用 I、O、S、V、Z）"
            else:
                hint, hint_zh = "", ""
            raise InvalidUSCC(
                code,
                "character",
                f"illegal character {ch!r} at position {i}{hint}",
                f"第{i}位字符“{ch}”不合法{hint_zh}",
                position=i,
                got=ch,
            )


def _weighted_sum(first17: str) -> int:
    # zip stops after the 17 weights: a whole 18-character code gives the sum of its first 17
    return sum(_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS))


def check_character(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters.

    Raises InvalidUSCC if ``first17`` is not 17 characters of the code alphabet.
    """
    if not isinstance(first17, str):
        raise InvalidUSCC(first17, "type", "not a string", "不是字符串")
    if len(first17) != USCC_LENGTH - 1:
        raise InvalidUSCC(
            first17,
            "length",
            f"expected 17 characters before the check character, got {len(first17)}",
            f"校验位前应为17位，实际为{len(first17)}位",
        )
    _check_chars(first17)
    return USCC_ALPHABET[-_weighted_sum(first17) % 31]


def make_uscc(first17: str) -> str:
    """Append the check character: ``make_uscc("91110000600037341") == "91110000600037341L"``."""
    return first17 + check_character(first17)


def normalize_uscc(raw: str) -> str:
    """Canonical form of a typed or imported code.

    Converts full-width ASCII to half-width (NFKC), removes every whitespace character
    anywhere in the string (ASCII and full-width spaces, tabs, no-break spaces) and
    invisible characters (zero-width space, BOM), and upper-cases. It does not validate.
    """
    if not isinstance(raw, str):
        raise InvalidUSCC(raw, "type", "not a string", "不是字符串")
    if raw.isascii():
        s = raw
    else:
        s = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    return "".join(s.split()).upper()


def validate_uscc(
    code: str,
    *,
    check_structure: bool = True,
    legacy_codes: Collection[str] = (),
) -> None:
    """Raise InvalidUSCC with a precise reason unless ``code`` is a valid canonical code.

    Checks, in order: type, length (18), each character in the alphabet (reports the
    first illegal one and its position), then — with ``check_structure`` — a known
    registering authority, a category allowed under it and six digits at positions 3–8,
    and finally the check character ("expected X, got Y").

    ``legacy_codes``: canonical codes known to be legitimately issued although their
    check character is wrong (early pilot codes). Such a code is accepted and a warning
    is logged; the override never applies to any other defect.
    """
    if _passes_fast(code, check_structure):
        return
    if not isinstance(code, str):
        raise InvalidUSCC(code, "type", "not a string", "不是字符串")
    if len(code) != USCC_LENGTH:
        raise InvalidUSCC(
            code,
            "length",
            f"expected 18 characters, got {len(code)}",
            f"应为18位，实际为{len(code)}位",
        )
    _check_chars(code)
    if check_structure:
        authority, category = code[0], code[1]
        categories = CATEGORIES.get(authority)
        if categories is None:
            raise InvalidUSCC(
                code,
                "authority",
                f"unknown registering authority {authority!r} at position 1",
                f"第1位登记管理部门代码“{authority}”不存在",
                position=1,
                got=authority,
            )
        if category not in categories:
            allowed = "".join(categories)
            raise InvalidUSCC(
                code,
                "category",
                f"category {category!r} at position 2 is not defined for authority "
                f"{authority!r} (allowed: {', '.join(allowed)})",
                f"第2位机构类别代码“{category}”在登记管理部门“{authority}”下不存在（允许：{'、'.join(allowed)}）",
                position=2,
                got=category,
            )
        division = code[2:8]
        if not division.isdigit():
            pos = next(i for i, ch in enumerate(division, start=3) if not ch.isdigit())
            raise InvalidUSCC(
                code,
                "division",
                f"positions 3-8 must be a 6-digit division code, got {division!r} (non-digit at position {pos})",
                f"第3-8位应为6位数字行政区划码，实际为“{division}”（第{pos}位不是数字）",
                position=pos,
                got=division,
            )
    expected = USCC_ALPHABET[-_weighted_sum(code) % 31]
    got = code[17]
    if got != expected:
        if code in legacy_codes:
            log.warning(
                "accepting legacy unified social credit code %s with a wrong check character "
                "(expected %s, got %s) because it is on the legacy allow-list",
                code,
                expected,
                got,
            )
            return
        raise InvalidUSCC(
            code,
            "check",
            f"check character expected {expected!r}, got {got!r}",
            f"校验码应为“{expected}”，实际为“{got}”",
            position=18,
            expected=expected,
            got=got,
        )


def _passes_fast(code: object, check_structure: bool) -> bool:
    """True only for a valid canonical code (bulk imports validate millions); anything
    else goes the slow way, which finds the precise reason."""
    if type(code) is not str or len(code) != USCC_LENGTH:
        return False
    try:
        total = sum(map(_mul, map(_VALUE.__getitem__, code[:17]), USCC_WEIGHTS))
        if code[17] != USCC_ALPHABET[-total % 31]:
            return False
    except KeyError:
        return False
    if not check_structure:
        return True
    categories = CATEGORIES.get(code[0])
    return categories is not None and code[1] in categories and code[2:8].isdigit() and code[2:8].isascii()


def is_valid_uscc(
    code: str,
    *,
    check_structure: bool = True,
    legacy_codes: Collection[str] = (),
) -> bool:
    """True if :func:`validate_uscc` accepts ``code`` (canonical form; no normalisation)."""
    try:
        validate_uscc(code, check_structure=check_structure, legacy_codes=legacy_codes)
    except InvalidUSCC:
        return False
    return True


def parse_uscc(
    code: str,
    *,
    check_structure: bool = True,
    legacy_codes: Collection[str] = (),
) -> USCCParts:
    """Validate a canonical code and split it into its fields."""
    validate_uscc(code, check_structure=check_structure, legacy_codes=legacy_codes)
    return USCCParts(
        code=code,
        authority=code[0],
        category=code[1],
        division_code=code[2:8],
        organisation_code=code[8:17],
        check=code[17],
    )


def entity_type_for_uscc(code: str) -> EntityType | None:
    """Entity type implied by positions 1–2 (``91`` enterprise, ``92`` individual business,
    ``93`` farmers' cooperative), or None when the code says nothing obvious.

    Only looks at the prefix; it does not validate the code.
    """
    return _ENTITY_TYPE_BY_PREFIX.get(code[:2])
