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
