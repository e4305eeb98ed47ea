"""Parsing and check characters of the identifiers the platform meets everywhere.

- 公民身份号码 (GB 11643-1999): :func:`parse_citizen_id`
- 统一社会信用代码 (GB 32100-2015) with its embedded 组织机构代码 (GB 11714-1997):
  :func:`parse_uscc`
- 电子证照标识 (GB/T 36904-2018, check character by ISO/IEC 7064 MOD 37,36):
  :func:`parse_licence_identifier`
- 政务服务事项 basic and implementation codes (GB/T 39046-2020): :func:`parse_basic_code`,
  :func:`parse_implementation_code`

Every parser normalises (strip, upper case), validates everything a standard lets us check
and returns a frozen dataclass. Bad input raises :class:`~zhengwu.kernel.errors.InvalidInput`
with the caller's ``field``, a specific ``code`` and a message in Chinese and English that
says what is wrong. The ``*_check_*`` helpers compute check characters (demo data, tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NoReturn

from zhengwu.kernel.errors import InvalidInput

__all__ = [
    "CitizenId",
    "ImplementationCode",
    "LicenceIdentifier",
    "Uscc",
    "citizen_id_check_digit",
    "licence_check_char",
    "make_licence_identifier",
    "make_uscc",
    "organisation_code_check_char",
    "parse_basic_code",
    "parse_citizen_id",
    "parse_implementation_code",
    "parse_licence_identifier",
    "parse_uscc",
    "uscc_check_char",
]


def _fail(field: str, code: str, message: str, message_en: str) -> NoReturn:
    raise InvalidInput(message, message_en, field=field, code=code)


def _normalise(value: object, field: str, scheme: str, label_zh: str, label_en: str) -> str:
    if not isinstance(value, str):
        _fail(field, f"{scheme}_type", f"{label_zh}必须是文本", f"{label_en} must be text")
    text = value.strip().upper()
    if not text:
        _fail(field, f"{scheme}_required", f"请填写{label_zh}", f"{label_en} is required")
    return text


def _today() -> date:
    """Today in the platform's time zone when Django is configured, else the host's date."""
    try:
        from django.conf import settings
        from django.utils import timezone

        if settings.configured:
            return timezone.localdate()
    except ImportError:  # pragma: no cover - Django is a hard dependency
        pass
    return date.today()


# --- 行政区划 (GB/T 2260): province-level prefixes --------------------------------------
# 11–15 华北, 21–23 东北, 31–37 华东, 41–46 中南, 50–54 西南, 61–65 西北, 71 台湾,
# 81 香港, 82 澳门; 83 is the prefix of 台湾居民居住证 numbers (港澳台居民居住证 use 81/82/83).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65", "71", "81", "82", "83"),
    }
)
# Central (national) bodies register under region 100000 in USCCs (e.g. 国务院部门).
USCC_CENTRAL_PREFIX = "10"


# --- 公民身份号码 GB 11643-1999 ----------------------------------------------------------
CITIZEN_ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Σ(aᵢ·Wᵢ) mod 11 → check character (ISO 7064 MOD 11-2 as tabulated in GB 11643).
CITIZEN_ID_CHECK_CHARS = "10X98765432"
# Nobody alive (or in any archive the platform handles) was born before this; it also
# rejects typos such as 0985 for 1985. GB 11643's own example is born in 1880.
EARLIEST_BIRTH_DATE = date(1850, 1, 1)


@dataclass(frozen=True)
class CitizenId:
    """A valid 18-character 公民身份号码."""

    value: str
    birth_date: date
    sex: str  # "male" (odd sequence code) or "female" (even), GB 11643 §4.5
    region_code: str
    province_code: str
    upgraded_from_15: bool = False

    def __str__(self) -> str:
        return self.value


def citizen_id_check_digit(first17: str) -> str:
    """The GB 11643 check character ("0"–"9" or "X") for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        _fail(
            "citizen_id",
            "citizen_id_format",
            "身份号码本体码应为 17 位数字",
            "The body of an ID number must be 17 digits",
        )
    total = sum(int(ch) * w for ch, w in zip(first17, CITIZEN_ID_WEIGHTS, strict=True))
    return CITIZEN_ID_CHECK_CHARS[total % 11]


def _check_region(region: str, field: str, code: str, *, allow_central: bool = False) -> None:
    province = region[:2]
    if province in PROVINCE_CODES or (allow_central and province == USCC_CENTRAL_PREFIX):
        return
    _fail(
        field,
        code,
        f"行政区划代码 {region} 无效：省级代码 {province} 不存在",
        f"Invalid region code {region}: there is no province with code {province}",
    )


def _birth_date(text: str, field: str, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        _fail(
            field,
            "citizen_id_birth_date",
            f"出生日期 {text} 不是有效日期",
            f"The birth date {text} is not a real date",
        )
    if born > today:
        _fail(
            field,
            "citizen_id_birth_date",
            f"出生日期 {born.isoformat()} 晚于今天",
            f"The birth date {born.isoformat()} is in the future",
        )
    if born < EARLIEST_BIRTH_DATE:
        _fail(
            field,
            "citizen_id_birth_date",
            f"出生日期 {born.isoformat()} 早于 {EARLIEST_BIRTH_DATE.year} 年，不可信",
            f"The birth date {born.isoformat()} is before {EARLIEST_BIRTH_DATE.year}",
        )
    return born


def parse_citizen_id(
    value: str, *, today: date | None = None, field: str = "citizen_id"
) -> CitizenId:
    """Validate a 公民身份号码 (GB 11643-1999) and return it as 18 characters.

    Accepts a lower-case ``x`` and the 15-digit numbers issued before 1999, which are
    upgraded by inserting "19" before the two-digit year and appending the check digit.
    """
    text = _normalise(value, field, "citizen_id", "身份号码", "The ID number")
    today = today or _today()
    upgraded = False
    if len(text) == 15:
        if not text.isascii() or not text.isdigit():
            _fail(
                field,
                "citizen_id_format",
                "15 位身份号码只能由数字组成",
                "A 15-digit ID number may contain digits only",
            )
        _check_region(text[:6], field, "citizen_id_region")
        # 15-digit numbers were issued to people born in the 1900s (GB 11643-1989).
        _birth_date("19" + text[6:12], field, today)
        first17 = text[:6] + "19" + text[6:]
        text = first17 + citizen_id_check_digit(first17)
        upgraded = True
    elif len(text) == 18:
        body, check = text[:17], text[17]
        if not body.isascii() or not body.isdigit() or check not in "0123456789X":
            _fail(
                field,
                "citizen_id_format",
                "18 位身份号码应为 17 位数字加 1 位数字或 X",
                "An 18-character ID number is 17 digits followed by a digit or X",
            )
        _check_region(text[:6], field, "citizen_id_region")
        _birth_date(text[6:14], field, today)
        expected = citizen_id_check_digit(body)
        if check != expected:
            _fail(
                field,
                "citizen_id_check_digit",
                f"校验位错误，应为 {expected}",
                f"Wrong check digit: expected {expected}",
            )
    else:
        _fail(
            field,
            "citizen_id_length",
            f"身份号码应为 18 位（或旧版 15 位），实际 {len(text)} 位",
            f"An ID number has 18 characters (or 15 for old ones), got {len(text)}",
        )
    born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    return CitizenId(
        value=text,
        birth_date=born,
        sex="male" if int(text[16]) % 2 else "female",
        region_code=text[:6],
        province_code=text[:2],
        upgraded_from_15=upgraded,
    )


# --- 组织机构代码 GB 11714-1997 ----------------------------------------------------------
ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_char_value(ch: str) -> int:
    # GB 11714: digits keep their value, letters A–Z count 10–35.
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    raise ValueError(ch)


def organisation_code_check_char(first8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    text = first8.upper()
    try:
        if len(text) != 8:
            raise ValueError(text)
        total = sum(_org_char_value(ch) * w for ch, w in zip(text, ORG_CODE_WEIGHTS, strict=True))
    except ValueError:
        _fail(
            "organisation_code",
            "organisation_code_format",
            "组织机构代码本体应为 8 位数字或大写字母",
            "An organisation code body is 8 digits or capital letters",
        )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


# --- 统一社会信用代码 GB 32100-2015 ------------------------------------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
USCC_VALUES: dict[str, int] = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 登记管理部门代码 → the 机构类别代码 it may use. GB 32100-2015 Annex A and the later
# assignments (A 中央军委改革和编制办公室, N 农业农村 for rural collective economic
# organisations). Where sources disagree on an authority's kind list we accept any of 1–9
# rather than reject real codes; the widely used authorities are checked exactly.
_ANY_KIND = frozenset("123456789")
USCC_AUTHORITY_KINDS: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": _ANY_KIND,  # 外交
    "3": _ANY_KIND,  # 司法行政 (律师事务所, 公证处, …) / 教育 in the first edition
    "4": _ANY_KIND,  # 文化 / 公安 in the first edition
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": _ANY_KIND,  # 旅游 / 司法
    "7": _ANY_KIND,  # 宗教 / 交通运输
    "8": _ANY_KIND,  # 工会 / 文化
    "9": frozenset("123"),  # 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
    "A": _ANY_KIND,  # 中央军委改革和编制办公室 / 旅游
    "B": _ANY_KIND,
    "C": _ANY_KIND,
    "D": _ANY_KIND,
    "E": _ANY_KIND,
    "F": _ANY_KIND,
    "G": _ANY_KIND,
    "N": frozenset("1239"),  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": _ANY_KIND,  # 其他
}


@dataclass(frozen=True)
class Uscc:
    """A valid 统一社会信用代码."""

    value: str
    registration_authority: str  # position 1, 登记管理部门代码
    kind: str  # position 2, 机构类别代码
    region_code: str  # positions 3–8, 登记管理机关行政区划码
    organisation_code: str  # positions 9–17, 主体标识码 (组织机构代码, GB 11714)

    def __str__(self) -> str:
        return self.value


def _uscc_sum(first17: str) -> int:
    return sum(USCC_VALUES[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a USCC."""
    text = first17.upper()
    if len(text) != 17 or any(ch not in USCC_VALUES for ch in text):
        _fail(
            "uscc",
            "uscc_alphabet",
            "统一社会信用代码前 17 位只能使用 0-9 和除 I、O、Z、S、V 外的大写字母",
            "The first 17 characters of a USCC use 0-9 and capital letters except I, O, Z, S, V",
        )
    # GB 32100 §5: C18 = 31 − (Σ Cᵢ·Wᵢ mod 31), and 31 becomes 0.
    check = 31 - _uscc_sum(text) % 31
    return USCC_ALPHABET[0 if check == 31 else check]


def make_uscc(authority: str, kind: str, region: str, org8: str) -> str:
    """Build a valid USCC from its parts; ``org8`` is the organisation code without check."""
    org9 = org8.upper() + organisation_code_check_char(org8)
    first17 = f"{authority}{kind}{region}{org9}".upper()
    value = first17 + uscc_check_char(first17)
    parse_uscc(value)  # refuse to build something the parser would reject
    return value


def parse_uscc(value: str, *, field: str = "uscc") -> Uscc:
    """Validate a 统一社会信用代码 (GB 32100-2015)."""
    text = _normalise(value, field, "uscc", "统一社会信用代码", "The unified social credit code")
    if len(text) != 18:
        _fail(
            field,
            "uscc_length",
            f"统一社会信用代码应为 18 位，实际 {len(text)} 位",
            f"A unified social credit code has 18 characters, got {len(text)}",
        )
    bad = sorted({ch for ch in text if ch not in USCC_VALUES})
    if bad:
        shown = "、".join(bad)
        _fail(
            field,
            "uscc_alphabet",
            f"统一社会信用代码含有不允许的字符：{shown}（不使用 I、O、Z、S、V）",
            f"The code contains characters not allowed: {', '.join(bad)} "
            "(I, O, Z, S and V are never used)",
        )
    authority, kind = text[0], text[1]
    kinds = USCC_AUTHORITY_KINDS.get(authority)
    if kinds is None:
        _fail(
            field,
            "uscc_authority",
            f"第 1 位登记管理部门代码 {authority} 不存在",
            f"Position 1 (registration authority) {authority} does not exist",
        )
    if kind not in kinds:
        _fail(
            field,
            "uscc_kind",
            f"第 2 位机构类别代码 {kind} 不适用于登记管理部门 {authority}",
            f"Position 2 (kind) {kind} is not used by registration authority {authority}",
        )
    region = text[2:8]
    if not region.isdigit():
        _fail(
            field,
            "uscc_region",
            f"第 3–8 位行政区划码 {region} 应为 6 位数字",
            f"Positions 3-8 (region code) {region} must be 6 digits",
        )
    _check_region(region, field, "uscc_region", allow_central=True)
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        _fail(
            field,
            "uscc_check_char",
            f"校验码错误，应为 {expected}",
            f"Wrong check character: expected {expected}",
        )
    org = text[8:17]
    # GB 32100 §4.4: positions 9–17 are the GB 11714 organisation code, own check included.
    org_expected = organisation_code_check_char(org[:8])
    if org[8] != org_expected:
        _fail(
            field,
            "uscc_org_code",
            f"第 9–17 位组织机构代码 {org} 校验位错误，应为 {org_expected}",
            f"The organisation code {org} (positions 9-17) has a wrong check character: "
            f"expected {org_expected}",
        )
    return Uscc(
        value=text,
        registration_authority=authority,
        kind=kind,
        region_code=region,
        organisation_code=org,
    )


# --- 电子证照标识 GB/T 36904-2018, ISO/IEC 7064 MOD 37,36 --------------------------------
LICENCE_PREFIX = "1.2.156.3005.2."
LICENCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LICENCE_VALUES: dict[str, int] = {ch: i for i, ch in enumerate(LICENCE_ALPHABET)}
MAX_LICENCE_SERIAL = 64


@dataclass(frozen=True)
class LicenceIdentifier:
    """A valid 电子证照标识 ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``."""

    value: str
    type_code: str  # defining department's USCC + 3-digit sequence (21 characters)
    type_uscc: str
    type_sequence: str
    issuer_code: str  # issuing body's USCC, or a 6-digit area code in some provinces
    issuer_is_area_code: bool
    serial: str
    version: str
    check_char: str

    def __str__(self) -> str:
        return self.value


def licence_check_char(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character over type+issuer+serial+version.

    Dots are ignored, so the dotted form may be passed. DOMAIN.md §6: p=36; for each value
    v: t=(p+v) mod 36, 36 if 0; p=2t mod 37; check=(37−p) mod 36.
    """
    text = body.replace(".", "").upper()
    if not text or any(ch not in _LICENCE_VALUES for ch in text):
        _fail(
            "licence_identifier",
            "licence_alphabet",
            "证照标识只能由数字、大写字母和点组成",
            "A licence identifier consists of digits, capital letters and dots",
        )
    p = 36
    for ch in text:
        t = (p + _LICENCE_VALUES[ch]) % 36 or 36
        p = (2 * t) % 37
    return LICENCE_ALPHABET[(37 - p) % 36]


def _licence_error(field: str, code: str, zh: str, en: str) -> NoReturn:
    _fail(field, code, f"电子证照标识无效：{zh}", f"Invalid licence identifier: {en}")


def _check_licence_parts(
    type_code: str, issuer: str, serial: str, version: str, field: str
) -> bool:
    """Validate the four parts; return whether the issuer is an area code."""
    if len(type_code) != 21 or not type_code[18:].isdigit():
        _licence_error(
            field,
            "licence_type_code",
            f"证照类型代码 {type_code} 应为 18 位统一社会信用代码加 3 位数字",
            f"the type code {type_code} must be an 18-character USCC and 3 digits",
        )
    try:
        parse_uscc(type_code[:18], field=field)
    except InvalidInput as error:
        _licence_error(
            field,
            "licence_type_uscc",
            f"证照类型代码中的统一社会信用代码有误（{error.message}）",
            f"the USCC inside the type code is wrong ({error.message_en})",
        )
    if len(issuer) == 6 and issuer.isdigit():
        _check_region(issuer, field, "licence_issuer")
        is_area = True
    else:
        try:
            parse_uscc(issuer, field=field)
        except InvalidInput as error:
            _licence_error(
                field,
                "licence_issuer",
                f"颁发机构代码应为统一社会信用代码或 6 位行政区划代码（{error.message}）",
                f"the issuer must be a USCC or a 6-digit area code ({error.message_en})",
            )
        is_area = False
    if (
        not serial
        or len(serial) > MAX_LICENCE_SERIAL
        or not serial.isascii()
        or not serial.isalnum()
    ):
        _licence_error(
            field,
            "licence_serial",
            f"流水号应为 1–{MAX_LICENCE_SERIAL} 位数字或大写字母",
            f"the serial must be 1-{MAX_LICENCE_SERIAL} digits or capital letters",
        )
    if len(version) != 3 or not version.isascii() or not version.isdigit():
        _licence_error(
            field,
            "licence_version",
            f"版本号 {version} 应为 3 位数字",
            f"the version {version} must be 3 digits",
        )
    return is_area


def parse_licence_identifier(value: str, *, field: str = "licence_identifier") -> LicenceIdentifier:
    """Validate a 电子证照标识 (GB/T 36904-2018)."""
    text = _normalise(value, field, "licence", "电子证照标识", "The licence identifier")
    if not text.startswith(LICENCE_PREFIX):
        _licence_error(
            field,
            "licence_prefix",
            f"应以 {LICENCE_PREFIX} 开头",
            f"it must start with {LICENCE_PREFIX}",
        )
    parts = text[len(LICENCE_PREFIX) :].split(".")
    if len(parts) != 5:
        _licence_error(
            field,
            "licence_structure",
            "前缀之后应有 5 段：类型代码.颁发机构代码.流水号.版本号.校验位",
            "after the prefix it needs 5 parts: type.issuer.serial.version.check",
        )
    type_code, issuer, serial, version, check = parts
    is_area = _check_licence_parts(type_code, issuer, serial, version, field)
    expected = licence_check_char(type_code + issuer + serial + version)
    if check != expected:
        _licence_error(
            field,
            "licence_check_char",
            f"校验位错误，应为 {expected}",
            f"wrong check character: expected {expected}",
        )
    return LicenceIdentifier(
        value=text,
        type_code=type_code,
        type_uscc=type_code[:18],
        type_sequence=type_code[18:],
        issuer_code=issuer,
        issuer_is_area_code=is_area,
        serial=serial,
        version=version,
        check_char=check,
    )


def make_licence_identifier(
    type_code: str,
    issuer: str,
    serial: str,
    version: str = "001",
    *,
    field: str = "licence_identifier",
) -> str:
    """Build a valid 电子证照标识 from its parts (validated; check character appended)."""
    type_code, issuer, serial = type_code.upper(), issuer.upper(), serial.upper()
    _check_licence_parts(type_code, issuer, serial, version, field)
    check = licence_check_char(type_code + issuer + serial + version)
    return f"{LICENCE_PREFIX}{type_code}.{issuer}.{serial}.{version}.{check}"


# --- 事项编码 GB/T 39046-2020 ------------------------------------------------------------
BASIC_CODE_LENGTH = 12
MAX_IMPLEMENTATION_CODE = 50
_INFIX_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_./")


@dataclass(frozen=True)
class ImplementationCode:
    """A 实施编码: implementing body's USCC + basic code (+ 业务办理项 suffix).

    ``infix`` is the single character some platforms put between the USCC and the basic
    code (31 characters in practice, DOMAIN.md §2); ``business_suffix`` is the 业务办理项
    code (2 digits in practice, 33 characters in all), empty when absent.
    """

    value: str
    uscc: str
    infix: str
    basic_code: str
    business_suffix: str

    def __str__(self) -> str:
        return self.value


def _is_code_text(text: str) -> bool:
    return text.isascii() and text.isalnum()


def parse_basic_code(value: str, *, field: str = "basic_code") -> str:
    """Validate a 基本目录 code: 12 digits or capital letters; returns it normalised."""
    text = _normalise(value, field, "basic_code", "基本编码", "The basic code")
    if len(text) != BASIC_CODE_LENGTH or not _is_code_text(text):
        _fail(
            field,
            "basic_code_format",
            f"基本编码应为 {BASIC_CODE_LENGTH} 位数字或字母，实际为 {text}",
            f"A basic code is {BASIC_CODE_LENGTH} digits or letters, got {text}",
        )
    return text


def parse_implementation_code(
    value: str, *, field: str = "implementation_code"
) -> ImplementationCode:
    """Parse a 实施编码 tolerantly (≤ 50 characters) and validate its embedded USCC.

    Layout: USCC (18) [+ one infix character] + basic code (12) [+ suffix]. The remainder
    after the USCC has an odd length exactly when an infix is present, because the basic
    code is 12 characters and 业务办理项 suffixes come in 2-digit segments.
    """
    text = _normalise(value, field, "implementation_code", "实施编码", "The implementation code")
    if not 18 + BASIC_CODE_LENGTH <= len(text) <= MAX_IMPLEMENTATION_CODE:
        _fail(
            field,
            "implementation_code_length",
            f"实施编码应为 30–{MAX_IMPLEMENTATION_CODE} 位，实际 {len(text)} 位",
            f"An implementation code has 30-{MAX_IMPLEMENTATION_CODE} characters, got {len(text)}",
        )
    try:
        uscc = parse_uscc(text[:18], field=field)
    except InvalidInput as error:
        _fail(
            field,
            "implementation_code_uscc",
            f"实施编码前 18 位应为实施主体的统一社会信用代码：{error.message}",
            f"The first 18 characters must be the implementing body's USCC: {error.message_en}",
        )
    rest = text[18:]
    infix = ""
    if len(rest) % 2:
        infix, rest = rest[0], rest[1:]
        if infix not in _INFIX_CHARS:
            _fail(
                field,
                "implementation_code_format",
                f"统一社会信用代码与基本编码之间的字符 {infix} 无效",
                f"The character {infix} between the USCC and the basic code is not allowed",
            )
    basic, suffix = rest[:BASIC_CODE_LENGTH], rest[BASIC_CODE_LENGTH:]
    if len(basic) != BASIC_CODE_LENGTH or not _is_code_text(basic):
        _fail(
            field,
            "implementation_code_basic",
            f"实施编码中的基本编码 {basic} 应为 {BASIC_CODE_LENGTH} 位数字或字母",
            f"The basic code {basic} inside must be {BASIC_CODE_LENGTH} digits or letters",
        )
    if suffix and not _is_code_text(suffix):
        _fail(
            field,
            "implementation_code_suffix",
            f"业务办理项编码 {suffix} 只能由数字或字母组成",
            f"The business item suffix {suffix} must be digits or letters",
        )
    return ImplementationCode(
        value=text, uscc=uscc.value, infix=infix, basic_code=basic, business_suffix=suffix
    )
