"""Unified social credit code (GB 32100-2015): check character, validation, normalisation."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointcheck.codes import (
    CATEGORIES,
    USCC_ALPHABET,
    EntityType,
    InvalidUSCC,
    USCCParts,
    check_character,
    entity_type_for_uscc,
    is_valid_uscc,
    make_uscc,
    normalize_uscc,
    parse_uscc,
    validate_uscc,
)

KNOWN_VALID = "91110000600037341L"
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

alphabet_char = st.sampled_from(USCC_ALPHABET)


@st.composite
def first17s(draw) -> str:
    """First 17 characters of a structurally valid code."""
    authority = draw(st.sampled_from(sorted(CATEGORIES)))
    category = draw(st.sampled_from(sorted(CATEGORIES[authority])))
    division = draw(st.text("0123456789", min_size=6, max_size=6))
    organisation = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    return authority + category + division + organisation


valid_codes = first17s().map(make_uscc)


def _checksum_ok(code: str) -> bool:
    return is_valid_uscc(code, check_structure=False)


# --------------------------------------------------------------------------- known values


def test_known_valid_code():
    assert check_character(KNOWN_VALID[:17]) == "L"
    assert make_uscc(KNOWN_VALID[:17]) == KNOWN_VALID
    assert is_valid_uscc(KNOWN_VALID)
    validate_uscc(KNOWN_VALID)


def test_alphabet_excludes_ambiguous_letters():
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize("n", range(20))
def test_draw_spec_test_vector_ids(n):
    code = make_uscc("91411523MA" + f"{n:07d}")
    assert len(code) == 18 and is_valid_uscc(code)
    parts = parse_uscc(code)
    assert parts.division_code == "411523"
    assert parts.organisation_code == f"MA{n:07d}"
    assert parts.entity_type is EntityType.ENTERPRISE


def test_sample_file_codes_are_valid():
    # codes as county directory files carry them: individual business, cooperative, company
    for code in ("92411523MAE4U3T9E3", "93411523MAK9DH1A2J", "91411523MA7E99GFAM"):
        assert is_valid_uscc(code)


def test_parse_fields_and_labels():
    parts = parse_uscc(KNOWN_VALID)
    assert parts == USCCParts(
        code=KNOWN_VALID,
        authority="9",
        category="1",
        division_code="110000",
        organisation_code="600037341",
        check="L",
    )
    assert parts.authority_label.startswith("市场监督管理")
    assert parts.category_label == "企业"
    assert parts.entity_type is EntityType.ENTERPRISE


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("91", EntityType.ENTERPRISE),
        ("92", EntityType.INDIVIDUAL_BUSINESS),
        ("93", EntityType.FARMERS_COOPERATIVE),
        ("12", None),  # 事业单位: not a market entity type
        ("52", None),
    ],
)
def test_entity_type_from_category(prefix, expected):
    code = make_uscc(prefix + "411523MA0000001")
    assert entity_type_for_uscc(code) is expected
    assert parse_uscc(code).entity_type is expected


# --------------------------------------------------------------------------- error reasons


@pytest.mark.parametrize(
    ("code", "reason", "position", "fragment"),
    [
        ("9111000060003734", "length", None, "expected 18 characters, got 16"),
        ("91110000600037341LL", "length", None, "got 19"),
        ("", "length", None, "got 0"),
        ("91110000600O37341L", "character", 12, "position 12"),
        ("91110000600037341l", "character", 18, "lower case"),
        ("9111000060003734 L", "character", 17, "position 17"),
        ("X1110000600037341L", "authority", 1, "authority"),
        ("94110000600037341L", "category", 2, "category '4'"),
        ("911100A0600037341L", "division", 7, "non-digit at position 7"),
        ("91110000600037341M", "check", 18, "expected 'L', got 'M'"),
    ],
)
def test_precise_reasons(code, reason, position, fragment):
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc(code)
    err = info.value
    assert err.reason == reason
    assert err.position == position
    assert fragment in str(err)
    assert err.detail_zh
    assert isinstance(err, ValueError)
    assert not is_valid_uscc(code)


def test_check_reason_carries_expected_and_got():
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc("91110000600037341M")
    assert (info.value.expected, info.value.got) == ("L", "M")


def test_non_string_rejected():
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc(91110000600037341)  # type: ignore[arg-type]
    assert info.value.reason == "type"
    assert not is_valid_uscc(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("first17", ["9111000060003734", "91110000600037341L", "9111000060003734I"])
def test_check_character_needs_17_alphabet_characters(first17):
    with pytest.raises(InvalidUSCC):
        check_character(first17)


def test_structure_check_can_be_disabled():
    code = make_uscc("X1110000600037341")
    assert not is_valid_uscc(code)
    assert is_valid_uscc(code, check_structure=False)


def test_legacy_override_is_explicit_and_logged(caplog):
    bad = "91110000600037341M"
    with caplog.at_level(logging.WARNING, logger="jointcheck.codes.uscc"):
        validate_uscc(bad, legacy_codes={bad})
    assert bad in caplog.text
    assert is_valid_uscc(bad, legacy_codes=frozenset({bad}))
    assert not is_valid_uscc(bad, legacy_codes={KNOWN_VALID})
    # the override only excuses the check character
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc("94110000600037341M", legacy_codes={"94110000600037341M"})
    assert info.value.reason == "category"


# --------------------------------------------------------------------------- properties


@FAST
@given(first17s())
def test_make_uscc_always_validates(first17):
    code = make_uscc(first17)
    assert code[:17] == first17
    validate_uscc(code)
    assert parse_uscc(code).code == code


@FAST
@given(valid_codes)
def test_every_single_substitution_is_detected(code):
    # weights are 3**i mod 31, all non-zero, and 31 is prime: w*(v'-v) is never 0 mod 31
    for pos in range(18):
        for ch in USCC_ALPHABET:
            if ch != code[pos]:
                changed = code[:pos] + ch + code[pos + 1 :]
                assert not _checksum_ok(changed), (code, pos, ch)


@FAST
@given(valid_codes)
def test_transpositions_detected_except_first_and_check(code):
    # positions 1..17 have distinct weights 3**0..3**16 (3 is a primitive root mod 31) and
    # the check character acts with weight 1 — the same as position 1.
    for i in range(18):
        for j in range(i + 1, 18):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            detected = not _checksum_ok("".join(swapped))
            assert detected == ((i, j) != (0, 17)), (code, i, j)


def test_the_one_undetected_transposition():
    swapped = KNOWN_VALID[17] + KNOWN_VALID[1:17] + KNOWN_VALID[0]
    assert _checksum_ok(swapped)
    assert not is_valid_uscc(swapped)  # the structure check still catches this one


@FAST
@given(st.text(USCC_ALPHABET, min_size=18, max_size=18))
def test_validation_agrees_with_check_character(code):
    assert _checksum_ok(code) == (check_character(code[:17]) == code[17])


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341L",
        "91110000600037341l",
        "  91110000600037341L  ",
        "9111 0000 6000 3734 1L",
        "\t91110000600037341L\r\n",
        "９１１１００００６０００３７３４１Ｌ",
        "\u300091110000600037341L\u3000",
        "9111\u30000000600037341ｌ",
        "\ufeff91110000600037341L",
        "9111\u200b0000600037341L",
        "91110000\xa0600037341L",
    ],
)
def test_normalisation_cases(raw):
    assert normalize_uscc(raw) == KNOWN_VALID


def test_normalisation_does_not_validate():
    assert normalize_uscc(" abc ") == "ABC"


@st.composite
def mangled(draw):
    code = draw(valid_codes)
    out = []
    for ch in code:
        if draw(st.booleans()):
            ch = ch.lower()
        if draw(st.integers(0, 4)) == 0:
            ch = chr(ord(ch) + 0xFEE0)  # full-width form
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([" ", "\u3000", "\t", "\xa0"])))
    return code, draw(st.sampled_from(["", " ", "\u3000"])) + "".join(out)


@FAST
@given(mangled())
def test_normalisation_recovers_the_code(pair):
    code, raw = pair
    assert normalize_uscc(raw) == code
    assert normalize_uscc(normalize_uscc(raw)) == code


# --------------------------------------------------------------------------- every rejection, exactly (issue 17)

BAD_CODES = [
    # code, reason, position, got, English detail, Chinese detail
    (123, "type", None, None, "not a string", "不是字符串"),
    (None, "type", None, None, "not a string", "不是字符串"),
    ("9111000060003734", "length", None, None, "expected 18 characters, got 16", "应为18位，实际为16位"),
    ("91110000600037341LL", "length", None, None, "expected 18 characters, got 19", "应为18位，实际为19位"),
    ("", "length", None, None, "expected 18 characters, got 0", "应为18位，实际为0位"),
    (
        "a1110000600037341L",
        "character",
        1,
        "a",
        "illegal character 'a' at position 1 (lower case; normalise first)",
        "第1位字符“a”不合法（小写字母，请先规范化）",
    ),
    (
        "91110000600037341l",
        "character",
        18,
        "l",
        "illegal character 'l' at position 18 (lower case; normalise first)",
        "第18位字符“l”不合法（小写字母，请先规范化）",
    ),
    (
        "9111000060003I341L",
        "character",
        14,
        "I",
        "illegal character 'I' at position 14 (I, O, S, V and Z are never used)",
        "第14位字符“I”不合法（代码不使用 I、O、S、V、Z）",
    ),
    (
        "911100o0600037341L",
        "character",
        7,
        "o",
        "illegal character 'o' at position 7 (I, O, S, V and Z are never used)",
        "第7位字符“o”不合法（代码不使用 I、O、S、V、Z）",
    ),
    ("9111000060003734-L", "character", 17, "-", "illegal character '-' at position 17", "第17位字符“-”不合法"),
    (
        "X1110000600037341L",
        "authority",
        1,
        "X",
        "unknown registering authority 'X' at position 1",
        "第1位登记管理部门代码“X”不存在",
    ),
    (
        "94110000600037341L",
        "category",
        2,
        "4",
        "category '4' at position 2 is not defined for authority '9' (allowed: 1, 2, 3)",
        "第2位机构类别代码“4”在登记管理部门“9”下不存在（允许：1、2、3）",
    ),
    (
        "Y2110000600037341L",
        "category",
        2,
        "2",
        "category '2' at position 2 is not defined for authority 'Y' (allowed: 1)",
        "第2位机构类别代码“2”在登记管理部门“Y”下不存在（允许：1）",
    ),
    (
        "23110000600037341L",
        "category",
        2,
        "3",
        "category '3' at position 2 is not defined for authority '2' (allowed: 1, 9)",
        "第2位机构类别代码“3”在登记管理部门“2”下不存在（允许：1、9）",
    ),
    (
        "91A100006000373411",
        "division",
        3,
        "A10000",
        "positions 3-8 must be a 6-digit division code, got 'A10000' (non-digit at position 3)",
        "第3-8位应为6位数字行政区划码，实际为“A10000”（第3位不是数字）",
    ),
    (
        "911100A0600037341F",
        "division",
        7,
        "1100A0",
        "positions 3-8 must be a 6-digit division code, got '1100A0' (non-digit at position 7)",
        "第3-8位应为6位数字行政区划码，实际为“1100A0”（第7位不是数字）",
    ),
    (
        "9111000A6000373415",
        "division",
        8,
        "11000A",
        "positions 3-8 must be a 6-digit division code, got '11000A' (non-digit at position 8)",
        "第3-8位应为6位数字行政区划码，实际为“11000A”（第8位不是数字）",
    ),
    ("91110000600037341M", "check", 18, "M", "check character expected 'L', got 'M'", "校验码应为“L”，实际为“M”"),
]


@pytest.mark.parametrize(
    ("code", "reason", "position", "got", "detail", "detail_zh"), BAD_CODES, ids=[f"{r[1]}-{r[0]!r}" for r in BAD_CODES]
)
def test_every_rejection_names_reason_position_and_message(code, reason, position, got, detail, detail_zh):
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc(code)
    err = info.value
    assert (err.reason, err.position, err.got, err.detail, err.detail_zh) == (reason, position, got, detail, detail_zh)
    assert err.code == code
    assert err.expected == ("L" if reason == "check" else None)
    assert str(err) == f"invalid unified social credit code {code!r}: {detail}"
    assert not is_valid_uscc(code)
    with pytest.raises(InvalidUSCC) as again:
        parse_uscc(code)  # parsing validates first
    assert again.value.reason == reason


def test_a_letter_anywhere_in_the_division_is_refused_even_with_a_correct_check_character():
    for pos in range(3, 9):
        first17 = "91" + "".join("A" if p == pos else "1" for p in range(3, 9)) + "600037341"
        code = make_uscc(first17)  # a correct check character
        with pytest.raises(InvalidUSCC) as info:
            validate_uscc(code)
        assert (info.value.reason, info.value.position) == ("division", pos)
        assert is_valid_uscc(code, check_structure=False)
        assert parse_uscc(code, check_structure=False).division_code == first17[2:8]
    # the organisation code (positions 9-17) may hold letters
    assert is_valid_uscc(make_uscc("91110000MA0000001"))


def test_parse_splits_fields_at_their_positions():
    code = make_uscc("92411523MA7E99GFA")
    parts = parse_uscc(code)
    assert (parts.authority, parts.category, parts.division_code, parts.organisation_code, parts.check) == (
        "9",
        "2",
        "411523",
        "MA7E99GFA",
        code[17],
    )
    assert parts.code == code
    assert parts.category_label == "个体工商户" and parts.authority_label == "市场监督管理（工商）"
    assert parts.entity_type is EntityType.INDIVIDUAL_BUSINESS
    other = parse_uscc(make_uscc("53350200MJ0000001"))
    assert (other.authority, other.category, other.division_code) == ("5", "3", "350200")
    assert other.category_label == "基金会" and other.authority_label == "民政" and other.entity_type is None


def test_parse_passes_its_options_to_validation(caplog):
    legacy = "91110000600037341M"
    with pytest.raises(InvalidUSCC):
        parse_uscc(legacy)
    with caplog.at_level(logging.WARNING, logger="jointcheck.codes.uscc"):
        assert parse_uscc(legacy, legacy_codes={legacy}).check == "M"
    assert caplog.messages == [
        "accepting legacy unified social credit code 91110000600037341M with a wrong check character "
        "(expected L, got M) because it is on the legacy allow-list"
    ]
    odd = make_uscc("X1110000600037341")
    with pytest.raises(InvalidUSCC):
        parse_uscc(odd)
    assert parse_uscc(odd, check_structure=False).authority == "X"


@pytest.mark.parametrize(
    ("first17", "reason", "position", "detail", "detail_zh"),
    [
        (5, "type", None, "not a string", "不是字符串"),
        (
            "9111000060003734",
            "length",
            None,
            "expected 17 characters before the check character, got 16",
            "校验位前应为17位，实际为16位",
        ),
        (
            "911100006000373411",
            "length",
            None,
            "expected 17 characters before the check character, got 18",
            "校验位前应为17位，实际为18位",
        ),
        (
            "9111000060003734I",
            "character",
            17,
            "illegal character 'I' at position 17 (I, O, S, V and Z are never used)",
            "第17位字符“I”不合法（代码不使用 I、O、S、V、Z）",
        ),
    ],
)
def test_check_character_rejections(first17, reason, position, detail, detail_zh):
    with pytest.raises(InvalidUSCC) as info:
        check_character(first17)
    assert (info.value.reason, info.value.position, info.value.detail, info.value.detail_zh) == (
        reason,
        position,
        detail,
        detail_zh,
    )
    assert info.value.code == first17


def test_check_character_of_a_zero_sum_is_zero():
    assert check_character("0" * 17) == "0"
    assert make_uscc("00000000000000001") == "000000000000000013"  # 1 × 28 = 28; (31 - 28) % 31 = 3


def test_normalise_rejects_non_strings():
    with pytest.raises(InvalidUSCC) as info:
        normalize_uscc(91110000600037341)  # type: ignore[arg-type]
    assert (info.value.reason, info.value.detail, info.value.detail_zh) == ("type", "not a string", "不是字符串")
    assert info.value.code == 91110000600037341


def test_entity_type_reads_only_the_prefix():
    assert entity_type_for_uscc("91") is EntityType.ENTERPRISE
    assert entity_type_for_uscc("93anything") is EntityType.FARMERS_COOPERATIVE
    assert entity_type_for_uscc("19110000600037341L") is None


@pytest.mark.parametrize(
    ("first17", "reason"),
    [
        ("94110000600037341", "category"),  # category 4 is not defined under 9
        ("Y2110000600037341", "category"),  # position 3 holds a category Y allows: still position 2 that counts
        ("X1110000600037341", "authority"),
        ("9111000A600037341", "division"),
    ],
)
def test_structure_is_checked_even_when_the_check_character_is_right(first17, reason):
    code = make_uscc(first17)
    assert not is_valid_uscc(code)
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc(code)
    assert info.value.reason == reason
    assert is_valid_uscc(code, check_structure=False)
