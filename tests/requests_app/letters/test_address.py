"""The window's address, normalised and cut into tokens (pure: no database, no PDF)."""

from __future__ import annotations

import pytest

from requests_app.letters.address import Token, address_lines, normalise, postal_code


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("４６０－００２１", "460-0021"),
        ("4600021", "460-0021"),
        ("４６０ー００２１", "460-0021"),  # a long-vowel mark typed for the hyphen
        (" 460‐0021 ", "460-0021"),
    ],
)
def test_postal_codes_print_in_one_form(typed: str, printed: str) -> None:
    assert postal_code(typed) == printed


def test_only_digits_latin_letters_and_hyphens_are_narrowed() -> None:
    # Kanji and their variants stay exactly as typed (髙, 﨑); spaces collapse.
    assert (
        normalise("名古屋市中区平和１－１－１９　髙﨑ＡＢＣビル")
        == "名古屋市中区平和1-1-19 髙﨑ABCビル"
    )
    assert normalise("栄３−４−５") == "栄3-4-5"


def test_the_block_number_and_the_building_are_whole_tokens() -> None:
    lines = address_lines("愛知県名古屋市中区平和１丁目１番１９号　サンハイツ平和１０１号室")
    assert lines.street == (
        Token("愛知県名古屋市中区平和", False),
        Token("1丁目1番19号", True),
    )
    assert lines.building == (Token("サンハイツ平和101号室", True),)


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("愛知県名古屋市中区栄三丁目4番5号", "三丁目4番5号"),
        ("愛知県一宮市栄3-1-2", "3-1-2"),
        ("愛知県名古屋市千種区四谷通2丁目", "2丁目"),
        ("愛知県犬山市松本町12番地の3", "12番地の3"),
    ],
)
def test_block_numbers_in_their_usual_forms(address: str, block: str) -> None:
    assert address_lines(address).street[-1] == Token(block, True)
    assert address_lines(address).building == ()


def test_a_building_too_long_for_one_line_may_break_but_never_in_its_room() -> None:
    lines = address_lines(
        "愛知県豊田市西町1-23-4 グランドメゾン豊田西町駅前公園通りタワー北棟 1203号室"
    )
    assert lines.building[-1] == Token("1203号室", True)
    assert not lines.building[0].whole
    assert "".join(token.text for token in lines.building).startswith("グランドメゾン")


def test_an_address_without_a_block_number_is_left_whole_but_breakable() -> None:
    assert address_lines("愛知県名古屋市中区錦").street == (Token("愛知県名古屋市中区錦", False),)
