"""Identifiers: the examples of DOMAIN.md and the standards, rule by rule, plus properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.identifiers import (
    LICENCE_ALPHABET,
    USCC_ALPHABET,
    citizen_id_check_digit,
    licence_check_char,
    make_licence_identifier,
    make_uscc,
    organisation_code_check_char,
    parse_basic_code,
    parse_citizen_id,
    parse_implementation_code,
    parse_licence_identifier,
    parse_uscc,
    uscc_check_char,
)

TODAY = date(2026, 6, 1)
LICENCE_EXAMPLE = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
TYPE = "11100000000013338W032"  # the example's type code
ISSUER = "11220000013544541J"  # the example's issuer


def error_of(func, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        func(*args, **kwargs)
    return info.value


# --- 公民身份号码 ----------------------------------------------------------------------------
class TestCitizenId:
    def test_examples_from_gb_11643(self):
        a = parse_citizen_id("11010519491231002X", today=TODAY)
        assert a.value == "11010519491231002X"
        assert a.birth_date == date(1949, 12, 31)
        assert a.sex == "female"  # sequence 002 is even
        assert a.region_code == "110105"
        assert a.province_code == "11"
        assert str(a) == "11010519491231002X"
        b = parse_citizen_id("440524188001010014", today=TODAY)
        assert b.birth_date == date(1880, 1, 1)
        assert b.sex == "male"  # sequence 001 is odd
        assert b.province_code == "44"

    def test_lowercase_x_and_whitespace_are_normalised(self):
        parsed = parse_citizen_id("  11010519491231002x ", today=TODAY)
        assert parsed.value == "11010519491231002X"

    def test_wrong_check_digit_names_the_expected_one(self):
        error = error_of(parse_citizen_id, "110105194912310021", today=TODAY)
        assert error.code == "citizen_id_check_digit"
        assert error.field == "citizen_id"
        assert "X" in error.message and "expected X" in error.message_en

    def test_fifteen_digits_are_upgraded(self):
        # The 15-digit form of the GB 11643 example: drop "19" and the check digit.
        parsed = parse_citizen_id("110105491231002", today=TODAY)
        assert parsed.value == "11010519491231002X"
        assert parsed.upgraded_from_15 is True
        assert parsed.birth_date == date(1949, 12, 31)

    def test_future_birth_date_is_refused(self):
        first17 = "11010520270101001"
        value = first17 + citizen_id_check_digit(first17)
        error = error_of(parse_citizen_id, value, today=TODAY)
        assert error.code == "citizen_id_birth_date"
        assert "future" in error.message_en
        # The same number is fine once that day has come.
        assert parse_citizen_id(value, today=date(2027, 1, 1)).birth_date == date(2027, 1, 1)

    def test_impossible_birth_date_is_refused(self):
        first17 = "11010519900230001"  # 30 February
        error = error_of(parse_citizen_id, first17 + citizen_id_check_digit(first17), today=TODAY)
        assert error.code == "citizen_id_birth_date"
        assert "19900230" in error.message_en

    def test_birth_date_before_1850_is_refused(self):
        first17 = "11010518491231001"
        error = error_of(parse_citizen_id, first17 + citizen_id_check_digit(first17), today=TODAY)
        assert error.code == "citizen_id_birth_date"

    def test_unknown_province_is_refused(self):
        first17 = "99010519491231002"
        error = error_of(parse_citizen_id, first17 + citizen_id_check_digit(first17), today=TODAY)
        assert error.code == "citizen_id_region"
        assert "99" in error.message

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("1101051949123100", "citizen_id_length"),
            ("11010519491231002XX", "citizen_id_length"),
            ("1101051949123100AX", "citizen_id_format"),
            ("11010519491231002Y", "citizen_id_format"),
            ("11010549123100A", "citizen_id_format"),
            ("", "citizen_id_required"),
        ],
    )
    def test_malformed_numbers(self, value, code):
        assert error_of(parse_citizen_id, value, today=TODAY).code == code

    def test_custom_field_name_is_reported(self):
        error = error_of(parse_citizen_id, "123", field="applicant.id_number")
        assert error.field == "applicant.id_number"
        assert error.code == "citizen_id_length"


@st.composite
def citizen_ids(draw) -> str:
    province = draw(st.sampled_from(["11", "31", "44", "61", "65", "81"]))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = f"{province}{rest}{born:%Y%m%d}{sequence}"
    return first17 + citizen_id_check_digit(first17)


@given(citizen_ids())
def test_generated_citizen_ids_round_trip(value):
    parsed = parse_citizen_id(value, today=TODAY)
    assert parsed.value == value
    assert parsed.birth_date.strftime("%Y%m%d") == value[6:14]
    assert parse_citizen_id(value.lower(), today=TODAY) == parsed


@given(citizen_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_substitution_in_a_citizen_id_is_detected(value, position, char):
    # ISO 7064 MOD 11-2: every weight 2^k mod 11 is non-zero and 11 is prime, so changing
    # one character always changes the sum mod 11.
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1 :]
    with pytest.raises(InvalidInput):
        parse_citizen_id(changed, today=TODAY)


@given(citizen_ids(), st.integers(0, 16))
def test_any_adjacent_transposition_in_a_citizen_id_is_detected(value, position):
    # Weights of neighbours differ by a factor of 2 mod 11, so swapping two different
    # neighbours changes the sum; X can only stand last, so a swap with it is a format error.
    a, b = value[position], value[position + 1]
    assume(a != b)
    swapped = value[:position] + b + a + value[position + 2 :]
    with pytest.raises(InvalidInput):
        parse_citizen_id(swapped, today=TODAY)


# --- 统一社会信用代码 -----------------------------------------------------------------------
class TestUscc:
    def test_example_is_valid(self):
        parsed = parse_uscc("914403001922038216")
        assert parsed.value == "914403001922038216"
        assert parsed.registration_authority == "9"
        assert parsed.kind == "1"
        assert parsed.region_code == "440300"
        assert parsed.organisation_code == "192203821"
        assert str(parsed) == "914403001922038216"

    def test_example_with_final_7_is_invalid(self):
        error = error_of(parse_uscc, "914403001922038217")
        assert error.code == "uscc_check_char"
        assert error.field == "uscc"
        assert "6" in error.message and "expected 6" in error.message_en

    def test_lowercase_is_normalised(self):
        assert parse_uscc(" 11100000000013338w ").value == "11100000000013338W"

    @pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
    def test_letters_outside_the_alphabet(self, letter):
        value = "91440300192203821" + letter
        error = error_of(parse_uscc, value)
        assert error.code == "uscc_alphabet"
        assert letter in error.message

    def test_unknown_registration_authority(self):
        first17 = "H1440300192203821"
        error = error_of(parse_uscc, first17 + uscc_check_char(first17))
        assert error.code == "uscc_authority"

    def test_kind_not_used_by_the_authority(self):
        # 市场监管 (9) registers 企业 1, 个体工商户 2 and 农民专业合作社 3 only.
        first17 = "94440300192203821"
        error = error_of(parse_uscc, first17 + uscc_check_char(first17))
        assert error.code == "uscc_kind"

    def test_region_must_be_digits_of_a_real_province(self):
        first17 = "91A40300192203821"
        assert error_of(parse_uscc, first17 + uscc_check_char(first17)).code == "uscc_region"
        first17 = "91990300192203821"
        assert error_of(parse_uscc, first17 + uscc_check_char(first17)).code == "uscc_region"

    def test_embedded_organisation_code_is_checked(self):
        # Valid USCC check character, but 19220382-2 is not a valid GB 11714 code.
        first17 = "91440300192203822"
        error = error_of(parse_uscc, first17 + uscc_check_char(first17))
        assert error.code == "uscc_org_code"
        assert "expected 1" in error.message_en

    def test_length(self):
        assert error_of(parse_uscc, "91440300192203821").code == "uscc_length"

    def test_make_uscc_builds_valid_codes(self):
        value = make_uscc("9", "1", "610111", "MA6TXY0K")
        parsed = parse_uscc(value)
        assert parsed.region_code == "610111"
        assert parsed.organisation_code[:8] == "MA6TXY0K"

    def test_organisation_code_check_char(self):
        assert organisation_code_check_char("19220382") == "1"
        assert organisation_code_check_char("01354454") == "1"
        assert organisation_code_check_char("00000001") == "9"  # Σ=2 → 11−2
        assert organisation_code_check_char("00000006") == "X"  # Σ=12≡1 → 10 → X
        assert organisation_code_check_char("00000000") == "0"  # Σ=0 → 11 → 0
        with pytest.raises(InvalidInput):
            organisation_code_check_char("1234567")


ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def usccs(draw) -> str:
    authority, kind = draw(
        st.sampled_from([("1", "1"), ("1", "2"), ("5", "1"), ("9", "1"), ("9", "2"), ("Y", "1")])
    )
    region = draw(st.sampled_from(["110000", "440300", "610111", "100000", "650102"]))
    org8 = draw(st.text(ORG_CHARS, min_size=8, max_size=8))
    org9 = org8 + organisation_code_check_char(org8)
    first17 = authority + kind + region + org9
    return first17 + uscc_check_char(first17)


@given(usccs())
def test_generated_usccs_round_trip(value):
    parsed = parse_uscc(value)
    assert parsed.value == value
    assert parse_uscc(value.lower()) == parsed
    assert (
        make_uscc(
            parsed.registration_authority,
            parsed.kind,
            parsed.region_code,
            parsed.organisation_code[:8],
        )
        == value
    )


@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_substitution_in_a_uscc_is_detected(value, position, char):
    # MOD 31 with weights 3^k mod 31, all non-zero, 31 prime: any one change alters Σ mod 31.
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1 :]
    with pytest.raises(InvalidInput):
        parse_uscc(changed)


@given(usccs(), st.integers(0, 16))
def test_any_adjacent_transposition_in_a_uscc_is_detected(value, position):
    # Neighbouring weights differ by a factor of 3 (mod 31); the check character has weight
    # 1 against 28 for position 17 — so every swap of two different characters shows.
    a, b = value[position], value[position + 1]
    assume(a != b)
    swapped = value[:position] + b + a + value[position + 2 :]
    with pytest.raises(InvalidInput):
        parse_uscc(swapped)


# --- 电子证照标识 --------------------------------------------------------------------------
class TestLicenceIdentifier:
    def test_domain_example_parses(self):
        parsed = parse_licence_identifier(LICENCE_EXAMPLE)
        assert parsed.value == LICENCE_EXAMPLE
        assert parsed.type_code == "11100000000013338W032"
        assert parsed.type_uscc == "11100000000013338W"
        assert parsed.type_sequence == "032"
        assert parsed.issuer_code == "11220000013544541J"
        assert parsed.issuer_is_area_code is False
        assert parsed.serial == "2430599"
        assert parsed.version == "001"
        assert parsed.check_char == "F"

    def test_check_char_of_the_example(self):
        body = "11100000000013338W03211220000013544541J2430599001"
        assert licence_check_char(body) == "F"
        assert licence_check_char("11100000000013338W032.11220000013544541J.2430599.001") == "F"

    def test_wrong_check_char(self):
        error = error_of(parse_licence_identifier, LICENCE_EXAMPLE[:-1] + "G")
        assert error.code == "licence_check_char"
        assert error.field == "licence_identifier"
        assert "expected F" in error.message_en

    def test_lowercase_is_normalised(self):
        assert parse_licence_identifier(LICENCE_EXAMPLE.lower()).value == LICENCE_EXAMPLE

    def test_area_code_issuer(self):
        value = make_licence_identifier("11100000000013338W032", "610111", "A0001")
        parsed = parse_licence_identifier(value)
        assert parsed.issuer_is_area_code is True
        assert parsed.issuer_code == "610111"
        assert parsed.version == "001"

    @pytest.mark.parametrize(
        ("parts", "code"),
        [
            (("1.2.156.3005.1", TYPE, ISSUER, "2430599", "001", "F"), "licence_prefix"),
            (("1.2.156.3005.2", TYPE, ISSUER, "2430599", "F"), "licence_structure"),
            (
                ("1.2.156.3005.2", TYPE[:18] + "32", ISSUER, "2430599", "001", "F"),
                "licence_type_code",
            ),
            (
                ("1.2.156.3005.2", "11100000000013338X032", ISSUER, "1", "001", "F"),
                "licence_type_uscc",
            ),
            (("1.2.156.3005.2", TYPE, ISSUER[:17] + "K", "2430599", "001", "F"), "licence_issuer"),
            (("1.2.156.3005.2", TYPE, "990000", "2430599", "001", "F"), "licence_issuer"),
            (("1.2.156.3005.2", TYPE, ISSUER, "243-599", "001", "F"), "licence_serial"),
            (("1.2.156.3005.2", TYPE, ISSUER, "2430599", "01", "F"), "licence_version"),
        ],
    )
    def test_structure_errors(self, parts, code):
        assert error_of(parse_licence_identifier, ".".join(parts)).code == code

    def test_check_char_refuses_other_characters(self):
        assert error_of(licence_check_char, "ABC-1").code == "licence_alphabet"


@st.composite
def licence_ids(draw) -> str:
    type_code = draw(usccs()) + draw(st.text("0123456789", min_size=3, max_size=3))
    issuer = draw(st.one_of(usccs(), st.sampled_from(["610111", "440300", "110000"])))
    serial = draw(st.text(LICENCE_ALPHABET, min_size=1, max_size=20))
    version = draw(st.text("0123456789", min_size=3, max_size=3))
    return make_licence_identifier(type_code, issuer, serial, version)


@given(licence_ids())
def test_generated_licence_ids_round_trip(value):
    parsed = parse_licence_identifier(value)
    assert parsed.value == value
    assert (
        make_licence_identifier(parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version)
        == value
    )


@given(st.text(LICENCE_ALPHABET, min_size=1, max_size=60), st.data())
def test_mod_37_36_detects_every_single_substitution(body, data):
    # ISO/IEC 7064 hybrid systems detect all single substitution errors.
    position = data.draw(st.integers(0, len(body) - 1))
    char = data.draw(st.sampled_from(LICENCE_ALPHABET))
    assume(body[position] != char)
    changed = body[:position] + char + body[position + 1 :]
    assert licence_check_char(changed) != licence_check_char(body)


@given(licence_ids(), st.data())
def test_any_single_substitution_in_a_licence_id_is_detected(value, data):
    positions = [i for i, ch in enumerate(value) if ch != "."]
    position = data.draw(st.sampled_from(positions))
    char = data.draw(st.sampled_from(LICENCE_ALPHABET))
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1 :]
    with pytest.raises(InvalidInput):
        parse_licence_identifier(changed)


def test_mod_37_36_misses_exactly_one_adjacent_transposition_per_state():
    # Unlike MOD 11-2 and MOD 31 above, the hybrid MOD 37,36 does NOT detect every adjacent
    # transposition: whether swapping a, b shows depends on the running state p. Every one
    # of the 36 states is reached after a one-character prefix (p = 2t mod 37 for t = 1..36),
    # so checking all single-character prefixes and all pairs covers every context: exactly
    # one of the 630 unordered pairs goes unnoticed in each, i.e. 99.84 % are detected.
    for prefix in LICENCE_ALPHABET:
        missed = [
            (a, b)
            for i, a in enumerate(LICENCE_ALPHABET)
            for b in LICENCE_ALPHABET[i + 1 :]
            if licence_check_char(prefix + a + b + "7") == licence_check_char(prefix + b + a + "7")
        ]
        assert len(missed) == 1, (prefix, missed)


# --- 事项编码 ------------------------------------------------------------------------------
class TestItemCodes:
    @pytest.fixture
    def uscc(self) -> str:
        return make_uscc("1", "1", "610111", "01600015")

    def test_basic_code(self):
        assert parse_basic_code(" 000105001000 ") == "000105001000"
        assert parse_basic_code("00010500100a") == "00010500100A"
        assert error_of(parse_basic_code, "0001050010").code == "basic_code_format"
        assert error_of(parse_basic_code, "000105001-00").code == "basic_code_format"

    def test_uscc_plus_basic_code(self, uscc):
        parsed = parse_implementation_code(uscc + "000105001000")
        assert parsed.uscc == uscc
        assert parsed.basic_code == "000105001000"
        assert parsed.infix == ""
        assert parsed.business_suffix == ""

    def test_with_infix_and_business_suffix(self, uscc):
        parsed = parse_implementation_code(uscc + "4" + "000105001000" + "01")
        assert len(parsed.value) == 33
        assert parsed.infix == "4"
        assert parsed.basic_code == "000105001000"
        assert parsed.business_suffix == "01"
        with_sep = parse_implementation_code(uscc + "-000105001000")
        assert with_sep.infix == "-"
        assert with_sep.basic_code == "000105001000"

    def test_suffix_without_infix(self, uscc):
        parsed = parse_implementation_code(uscc + "000105001000" + "02")
        assert parsed.infix == ""
        assert parsed.business_suffix == "02"

    def test_embedded_uscc_is_validated(self, uscc):
        broken = uscc[:17] + ("0" if uscc[17] != "0" else "1")
        error = error_of(parse_implementation_code, broken + "4000105001000")
        assert error.code == "implementation_code_uscc"
        assert error.field == "implementation_code"
        assert "check character" in error.message_en

    def test_lengths(self, uscc):
        assert error_of(parse_implementation_code, uscc + "0001").code == (
            "implementation_code_length"
        )
        assert error_of(parse_implementation_code, uscc + "0" * 33).code == (
            "implementation_code_length"
        )

    def test_bad_basic_code_and_suffix(self, uscc):
        assert error_of(parse_implementation_code, uscc + "4" + "0001050010-0").code == (
            "implementation_code_basic"
        )
        assert error_of(parse_implementation_code, uscc + "000105001000" + "0!").code == (
            "implementation_code_suffix"
        )
