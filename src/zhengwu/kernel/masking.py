"""Masking of personal data on screens, in exports and in logs (DOMAIN.md §10).

Data levels follow GB/T 43697-2024 (数据安全技术 数据分类分级规则): data is graded 核心 (core),
重要 (important) and 一般 (general); general data is commonly split into four levels — 1 public,
2 low, 3 fairly sensitive, 4 sensitive. A field carries a level; a viewer carries a clearance
(an integer on the same scale). :func:`display` shows the full value only when the clearance
reaches the level, otherwise the default mask of the field's kind.

The kernel knows no roles: ``zhengwu.accounts.policies`` maps a viewer's roles to a clearance.

Default masks:

============  =========================================  ==========================
kind          rule                                       example
============  =========================================  ==========================
citizen_id    first 6 + last 4                           ``610111********1234``
phone         first 3 + last 4                           ``138****5678``
name          surname only (compound surnames kept)      ``张*``, ``欧阳**``
bank_card     first 4 + last 4                           ``6222***********1234``
address       up to the county/district level            ``陕西省西安市灞桥区****``
email         first character of the mailbox + domain    ``z***@example.cn``
uscc          none: a USCC is public registration data   ``91610111MA6TXXXX0X``
============  =========================================  ==========================

A value too short for its rule to hide anything is masked entirely: a mask must never reveal
more than the rule allows just because the input was odd.
"""

from __future__ import annotations

import logging
import re
from enum import IntEnum, StrEnum
from typing import Final


class DataLevel(IntEnum):
    """Grades of GB/T 43697-2024, ordered so that a higher number needs a higher clearance."""

    PUBLIC = 1  # 一般数据 1级 公开
    LOW = 2  # 一般数据 2级 低敏感
    FAIRLY_SENSITIVE = 3  # 一般数据 3级 较敏感
    SENSITIVE = 4  # 一般数据 4级 敏感
    IMPORTANT = 5  # 重要数据
    CORE = 6  # 核心数据

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS: Final = {
    DataLevel.PUBLIC: "1级 公开 / public",
    DataLevel.LOW: "2级 低敏感 / low",
    DataLevel.FAIRLY_SENSITIVE: "3级 较敏感 / fairly sensitive",
    DataLevel.SENSITIVE: "4级 敏感 / sensitive",
    DataLevel.IMPORTANT: "重要数据 / important",
    DataLevel.CORE: "核心数据 / core",
}


class MaskKind(StrEnum):
    CITIZEN_ID = "citizen_id"
    PHONE = "phone"
    NAME = "name"
    BANK_CARD = "bank_card"
    ADDRESS = "address"
    EMAIL = "email"
    USCC = "uscc"
    GENERIC = "generic"  # anything else: first and last character kept


# Suggested levels for fields of each kind; a field may declare a different one.
DEFAULT_LEVELS: Final = {
    MaskKind.CITIZEN_ID: DataLevel.SENSITIVE,
    MaskKind.BANK_CARD: DataLevel.SENSITIVE,
    MaskKind.PHONE: DataLevel.FAIRLY_SENSITIVE,
    MaskKind.ADDRESS: DataLevel.FAIRLY_SENSITIVE,
    MaskKind.NAME: DataLevel.FAIRLY_SENSITIVE,
    MaskKind.EMAIL: DataLevel.FAIRLY_SENSITIVE,
    MaskKind.USCC: DataLevel.PUBLIC,
    MaskKind.GENERIC: DataLevel.FAIRLY_SENSITIVE,
}

STAR = "*"

# Two-character surnames (复姓) in common use; a name starting with one keeps both characters.
_COMPOUND_SURNAME_TEXT: Final = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 长孙 慕容 令狐 独孤 宇文 夏侯 轩辕 端木 南宫 西门 "
    "司徒 司空 申屠 澹台 公冶 宗政 濮阳 淳于 单于 太叔 钟离 闾丘 呼延 万俟 拓跋 百里 东郭 鲜于 "
    "第五 左丘 谷梁 公羊 赫连 乐正 漆雕 壤驷 公良 巫马 亓官 段干 梁丘 即墨 羊舌 微生"
)
COMPOUND_SURNAMES: Final = frozenset(_COMPOUND_SURNAME_TEXT.split())
# Separators inside ethnic-minority and foreign names (买买提·艾力, John Smith) stay visible.
_NAME_SEPARATORS: Final = frozenset("·•. ")


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters; all stars if that would leave
    fewer than ``head + tail`` … i.e. when nothing would be hidden."""
    if len(value) <= head + tail:
        return STAR * len(value)
    return value[:head] + STAR * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_citizen_id(value: str) -> str:
    return _keep_ends(value.strip(), 6, 4)


def mask_phone(value: str) -> str:
    # Mobiles (13812345678), landlines with area code (029-88888888) and +86 numbers alike:
    # three leading and four trailing characters show, the middle never does.
    return _keep_ends(value.strip(), 3, 4)


def mask_bank_card(value: str) -> str:
    return _keep_ends(re.sub(r"[\s-]", "", value), 4, 4)


def mask_name(value: str) -> str:
    name = value.strip()
    if len(name) <= 1:
        # A one-character "name" is all surname or all given name: nothing can be shown.
        return STAR * len(name)
    keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "".join(ch if ch in _NAME_SEPARATORS else STAR for ch in name[keep:])


# Address heuristics, for addresses written the Chinese way (largest unit first):
#   [province: …省 | …自治区 | …特别行政区] [prefecture: …市 | …自治州 | …地区 | …盟]
#   [county level: …区 | …县 | …旗 | …市 (county-level city)]
# Names of units may not contain digits, spaces or the words of street addresses (路 街 巷 号
# 弄 栋 楼 室 院 村 组): that keeps "XX路XX小区" from being taken for a district. Whatever
# follows the last unit found is replaced by a fixed "****" (its length would hint at the
# street address). If no unit is recognised, the whole address is masked.
_UNIT_NAME = r"[^\s\d路街巷号弄栋楼室院村组省市区县旗]"
_ADDRESS_PREFIX = re.compile(
    rf"(?P<province>{_UNIT_NAME}{{2,7}}?(?:省|自治区|特别行政区))?"
    rf"(?P<prefecture>{_UNIT_NAME}{{1,9}}?(?:市|自治州|地区|盟))?"
    rf"(?P<county>{_UNIT_NAME}{{1,9}}?(?:区|县|自治县|旗|自治旗|市))?"
)
_ADDRESS_REST = STAR * 4


def mask_address(value: str) -> str:
    address = value.strip()
    if not address:
        return ""
    match = _ADDRESS_PREFIX.match(address)
    kept = match.group(0) if match else ""
    if not kept:
        return _ADDRESS_REST
    if kept == address:
        return address  # nothing finer than the district level to hide
    return kept + _ADDRESS_REST


def mask_email(value: str) -> str:
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return _keep_ends(email, 1, 0) if len(email) > 1 else STAR * len(email)
    return local[0] + STAR * 3 + "@" + domain


def mask_generic(value: str) -> str:
    return _keep_ends(value.strip(), 1, 1)


_MASKERS: Final = {
    MaskKind.CITIZEN_ID: mask_citizen_id,
    MaskKind.PHONE: mask_phone,
    MaskKind.NAME: mask_name,
    MaskKind.BANK_CARD: mask_bank_card,
    MaskKind.ADDRESS: mask_address,
    MaskKind.EMAIL: mask_email,
    # 统一社会信用代码 is printed on every business licence and published by the
    # registration authority (GB 32100): it is public data, so it is never masked.
    MaskKind.USCC: lambda value: value,
    MaskKind.GENERIC: mask_generic,
}


def mask(value: str | None, kind: MaskKind | str) -> str:
    """The default mask of ``kind`` applied to ``value``; ``None`` becomes ``""``."""
    if value is None:
        return ""
    return _MASKERS[MaskKind(kind)](str(value))


def display(
    value: str | None, kind: MaskKind | str, *, level: DataLevel | int, clearance: int
) -> str:
    """What a viewer with ``clearance`` may see of a field graded ``level``: the full value
    when the clearance reaches the level, the mask otherwise."""
    if value is None:
        return ""
    if clearance >= int(level):
        return str(value)
    return mask(value, kind)


# --- logs ------------------------------------------------------------------------------------

# 18-character ID numbers (GB 11643): 17 digits and a check character, not part of a longer
# digit run. Only numbers whose check character is right are masked, so order numbers and
# timestamps of the same length survive.
_CITIZEN_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Mainland mobiles: 11 digits starting 13–19, not part of a longer digit run.
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


def _citizen_id_check_ok(candidate: str) -> bool:
    # ISO 7064 MOD 11-2 as specified by GB 11643.
    total = sum(int(d) * w for d, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == candidate[17].upper()


def mask_text(text: str) -> str:
    """Mask ID numbers (with a valid check character) and mainland mobile numbers in free
    text."""
    text = _CITIZEN_ID_IN_TEXT.sub(
        lambda m: mask_citizen_id(m.group(0)) if _citizen_id_check_ok(m.group(0)) else m.group(0),
        text,
    )
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


class MaskingLogFilter(logging.Filter):
    """Logging filter that masks ID numbers and mobile numbers in the formatted message.

    It renders ``msg % args`` once, masks the result and stores it back with no args, so the
    masking also covers values passed as arguments (``log.info("id %s", citizen_id)``).
    Exception tracebacks are not rewritten: do not put personal data in exception messages.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a broken format string: let the handler report it as usual
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        return True
