"""Names, kana and addresses compare equal when only the writing differs, and only then."""

from __future__ import annotations

import pytest

from identity.names import address_key, addresses_match, kana_to_romaji, names_match


@pytest.mark.parametrize(
    ("shown", "name", "kana"),
    [
        ("髙橋 美咲", "高橋 美咲", "タカハシ ミサキ"),
        ("高橋美咲", "高橋 美咲", "タカハシ ミサキ"),
        ("高橋　美咲", "高橋 美咲", "タカハシ ミサキ"),
        ("山﨑 健太", "山崎 健太", "ヤマザキ ケンタ"),
        ("渡邊 一郎", "渡辺 一郎", "ワタナベ イチロウ"),
        ("渡邉 一郎", "渡邊 一郎", "ワタナベ イチロウ"),
        ("齋藤 誠", "斉藤 誠", "サイトウ マコト"),
        ("齊藤 誠", "斎藤 誠", "サイトウ マコト"),
        ("濵田 由美", "浜田 由美", "ハマダ ユミ"),
        ("濱田 由美", "濵田 由美", "ハマダ ユミ"),
        ("さくら", "サクラ", "サクラ"),
        ("佐藤 さくら", "佐藤 サクラ", "サトウ サクラ"),
        ("ﾀｶﾊｼ ﾐｻｷ", "高橋 美咲", "タカハシ ミサキ"),  # half-width katakana on an old card
        (
            "葛\U000e0100城 直樹",
            "葛城 直樹",
            "カツラギ ナオキ",
        ),  # an ideographic variation selector
        ("TAKAHASHI MISAKI", "高橋 美咲", "タカハシ ミサキ"),
        ("SATO ICHIRO", "佐藤 一郎", "サトウ イチロウ"),
        ("SATOU ICHIROU", "佐藤 一郎", "サトウ イチロウ"),
        ("OHNO KENTA", "大野 健太", "オオノ ケンタ"),
        ("ONO KENTA", "大野 健太", "オオノ ケンタ"),
        ("NAMBA SHOTA", "難波 翔太", "ナンバ ショウタ"),
        ("HATTORI YUKO", "服部 優子", "ハットリ ユウコ"),
        ("Ｔａｋａｈａｓｈｉ　Ｍｉｓａｋｉ", "高橋 美咲", "タカハシ ミサキ"),
    ],
)
def test_the_same_name_written_differently_matches(shown: str, name: str, kana: str) -> None:
    assert names_match(shown, name, kana)


@pytest.mark.parametrize(
    ("shown", "name", "kana"),
    [
        ("高橋 美香", "高橋 美咲", "タカハシ ミサキ"),
        ("高田 美咲", "高橋 美咲", "タカハシ ミサキ"),
        ("橋高 美咲", "高橋 美咲", "タカハシ ミサキ"),
        ("TAKAHASHI MISA", "高橋 美咲", "タカハシ ミサキ"),
        ("TAKAHASHI", "高橋 美咲", "タカハシ ミサキ"),
        ("SATO KENICHI", "佐藤 一郎", "サトウ イチロウ"),
        ("", "高橋 美咲", "タカハシ ミサキ"),
        ("さくら", "佐藤 さくら", "サトウ サクラ"),
    ],
)
def test_a_different_name_does_not_match(shown: str, name: str, kana: str) -> None:
    assert not names_match(shown, name, kana)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("愛知県名古屋市中区平和1丁目1番19号", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県名古屋市中区平和１－１－１９", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県名古屋市中区平和1‐1‐19", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県名古屋市中区平和1ー1ー19", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県名古屋市中区平和一丁目1番地19", "愛知県名古屋市中区平和1-1-19"),
        ("愛知県名古屋市中区平和1丁目1-19", "愛知県名古屋市中区平和1丁目1番19号"),
        ("名古屋市中区平和1-1-19", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県 名古屋市 中区 平和 1-1-19", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県豊田市西町二丁目十二番地", "愛知県豊田市西町2-12"),
        (
            "愛知県岡崎市康生通西2丁目5番地の3 コーポ康生201号室",
            "愛知県岡崎市康生通西2-5-3コーポ康生201",
        ),
        ("愛知県春日井市鳥居松町5丁目44番地", "愛知県春日井市鳥居松町５－４４"),
        ("東京都千代田区霞ヶ関3丁目2番5号", "東京都千代田区霞ケ関3-2-5"),
    ],
)
def test_the_same_address_written_differently_matches(shown: str, expected: str) -> None:
    assert addresses_match(shown, expected), (address_key(shown), address_key(expected))


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("愛知県名古屋市中区平和1丁目2番19号", "愛知県名古屋市中区平和1丁目1番19号"),
        ("愛知県名古屋市中区栄1丁目1番19号", "愛知県名古屋市中区平和1丁目1番19号"),
        (
            "愛知県名古屋市中区平和1-1-19 サンハイツ201",
            "愛知県名古屋市中区平和1-1-19 サンハイツ202",
        ),
        ("愛知県名古屋市中区平和1-1-1", "愛知県名古屋市中区平和1-1-19"),
        ("岐阜県名古屋市中区平和1-1-19", "愛知県名古屋市中区平和1-1-19"),
        ("", "愛知県名古屋市中区平和1-1-19"),
    ],
)
def test_a_different_address_does_not_match(shown: str, expected: str) -> None:
    assert not addresses_match(shown, expected)


def test_a_katakana_word_keeps_its_long_vowel_mark() -> None:
    # ー is a hyphen only between digits: センター stays a word.
    assert address_key("名古屋市中区栄3丁目 センタービル") == "名古屋市中区栄3-センタービル"
    assert address_key("名古屋市中区栄3丁目１ー２") == "名古屋市中区栄3-1-2"


def test_kana_in_roman_letters_as_a_passport_prints_it() -> None:
    assert kana_to_romaji("タカハシ ミサキ") == "TAKAHASHI MISAKI"
