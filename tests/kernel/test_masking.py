"""Masks of DOMAIN.md §10, the clearance rule and the logging filter."""

from __future__ import annotations

import logging

import pytest

from zhengwu.kernel.masking import (
    DEFAULT_LEVELS,
    DataLevel,
    MaskingLogFilter,
    MaskKind,
    display,
    mask,
    mask_text,
)

ID_NUMBER = "11010519491231002X"  # the GB 11643 example: valid check character X


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("610111199001011234", "610111********1234"),
        (ID_NUMBER, "110105********002X"),
        (" 610111199001011234 ", "610111********1234"),
        ("610111900101123", "610111*****1123"),  # 15-digit legacy number
        ("6101111234", "**********"),  # too short to show anything
        ("123", "***"),
        ("", ""),
    ],
)
def test_citizen_id(value, expected):
    assert mask(value, MaskKind.CITIZEN_ID) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("029-88888888", "029*****8888"),
        ("+8613812345678", "+86*******5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_phone(value, expected):
    assert mask(value, MaskKind.PHONE) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳修", "欧阳*"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # two characters: surname + given name, not a bare compound surname
        ("张", "*"),
        ("买买提·艾力", "买**·**"),
        ("John Smith", "J*** *****"),
        ("", ""),
    ],
)
def test_name(value, expected):
    assert mask(value, MaskKind.NAME) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222021234567891234", "6222***********1234"),
        ("6222 0212 3456 7891", "6222********7891"),
        ("62220212", "********"),
        ("", ""),
    ],
)
def test_bank_card(value, expected):
    assert mask(value, MaskKind.BANK_CARD) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("陕西省西安市灞桥区纺织城街道纺渭路1号", "陕西省西安市灞桥区****"),
        ("西安市灞桥区席王街道", "西安市灞桥区****"),
        ("灞桥区席王街道", "灞桥区****"),
        ("陕西省西安市周至县哑柏镇", "陕西省西安市周至县****"),
        ("陕西省咸阳市兴平市西吴街道", "陕西省咸阳市兴平市****"),  # county-level city
        ("新疆维吾尔自治区乌鲁木齐市天山区解放路", "新疆维吾尔自治区乌鲁木齐市天山区****"),
        ("浙江省杭州市西湖区文三路", "浙江省杭州市西湖区****"),
        ("西安市长安路88号某某小区", "西安市****"),  # no district: 小区 is not one
        ("陕西省西安市灞桥区", "陕西省西安市灞桥区"),  # nothing finer to hide
        ("某某路12号", "****"),
        ("", ""),
    ],
)
def test_address(value, expected):
    assert mask(value, MaskKind.ADDRESS) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhangsan@example.cn", "z***@example.cn"),
        ("a@b.cn", "a***@b.cn"),
        ("not-an-email", "n***********"),
        ("", ""),
    ],
)
def test_email(value, expected):
    assert mask(value, MaskKind.EMAIL) == expected


def test_uscc_is_public_and_generic_keeps_ends():
    assert mask("91610111MA6TXXXX0X", MaskKind.USCC) == "91610111MA6TXXXX0X"
    assert DEFAULT_LEVELS[MaskKind.USCC] is DataLevel.PUBLIC
    assert mask("abcdef", MaskKind.GENERIC) == "a****f"
    assert mask("ab", "generic") == "**"


def test_none_and_unknown_kind():
    assert mask(None, MaskKind.PHONE) == ""
    with pytest.raises(ValueError):
        mask("x", "shoe_size")


def test_display_follows_clearance():
    value = "610111199001011234"
    level = DataLevel.SENSITIVE
    assert display(value, MaskKind.CITIZEN_ID, level=level, clearance=4) == value
    assert display(value, MaskKind.CITIZEN_ID, level=level, clearance=5) == value
    assert display(value, MaskKind.CITIZEN_ID, level=level, clearance=3) == "610111********1234"
    assert display(value, MaskKind.CITIZEN_ID, level=level, clearance=0) == "610111********1234"
    assert display("13812345678", "phone", level=3, clearance=2) == "138****5678"
    assert display(None, MaskKind.PHONE, level=1, clearance=9) == ""
    assert DataLevel.IMPORTANT > DataLevel.SENSITIVE and DataLevel.CORE.label == "核心数据 / core"


def test_mask_text_masks_valid_ids_and_mobiles_only():
    text = f"申请人 {ID_NUMBER} 电话13812345678, 订单 123456789012345678, 座机 02988888888"
    masked = mask_text(text)
    assert "110105********002X" in masked
    assert "138****5678" in masked
    assert "123456789012345678" in masked  # wrong check digit: not an ID number
    assert "02988888888" in masked  # not a mobile
    assert ID_NUMBER not in masked and "13812345678" not in masked
    # A mobile-looking run inside a longer number is left alone.
    assert mask_text("流水号 9913812345678999") == "流水号 9913812345678999"


def test_logging_filter_masks_message_and_arguments(caplog):
    logger = logging.getLogger("zhengwu.tests.masking")
    log_filter = MaskingLogFilter()
    logger.addFilter(log_filter)
    try:
        with caplog.at_level(logging.INFO, logger="zhengwu.tests.masking"):
            logger.info("citizen %s phone %s", ID_NUMBER, "13812345678")
            logger.info("inline 13912345678 and %d items", 3)
            logger.info("nothing personal")
    finally:
        logger.removeFilter(log_filter)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "citizen 110105********002X phone 138****5678",
        "inline 139****5678 and 3 items",
        "nothing personal",
    ]
