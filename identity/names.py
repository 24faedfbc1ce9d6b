"""How a name, its kana or an address on a document is compared with what the case says.

Copies are read by people and typed by people: the same name can be written 髙橋 or 高橋,
with or without a space, in katakana or hiragana; the same address as 1丁目1番19号 or
１－１－１９. These functions reduce each form to one key so that only a real difference is
a mismatch. Pure functions, no database.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Variant kanji that the family registers and documents use interchangeably in names
# (異体字). Each variant maps to the common form; the common form maps to itself.
VARIANT_KANJI: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "碕": "崎",
    "邊": "辺",
    "邉": "辺",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "濵": "浜",
    "濱": "浜",
    "澤": "沢",
    "櫻": "桜",
    "廣": "広",
    "嶋": "島",
    "嶌": "島",
    "國": "国",
    "圀": "国",
    "眞": "真",
    "惠": "恵",
    "德": "徳",
    "瀨": "瀬",
    "冨": "富",
    "藏": "蔵",
    "龍": "竜",
    "實": "実",
    "壽": "寿",
    "榮": "栄",
    "與": "与",
    "萬": "万",
    "峯": "峰",
    "籠": "篭",
    "桒": "桑",
    "槇": "槙",
    "淺": "浅",
    "禮": "礼",
    "傳": "伝",
    "曾": "曽",
    "莊": "荘",
    "彌": "弥",
    "戶": "戸",
    "黑": "黒",
    "﨔": "欅",
}

_SPACES = re.compile(r"[\s\u3000・･]+")
# Ideographic variation selectors (IVS) and standardised variation selectors: invisible marks
# that pick a glyph; the character is the same.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", _VARIATION_SELECTORS.sub("", text))


def name_key(name: str) -> str:
    """The comparable form of a name written in kanji or kana.

    NFKC, without spaces, variant kanji replaced by their common form, and hiragana read as
    katakana (さくら and サクラ are the same name).
    """
    folded = _SPACES.sub("", _nfkc(name))
    folded = "".join(VARIANT_KANJI.get(ch, ch) for ch in folded)
    return str(jaconv.hira2kata(folded))


def kana_key(kana: str) -> str:
    """The comparable form of a name in kana: katakana, full-width, no spaces."""
    return str(jaconv.hira2kata(_SPACES.sub("", _nfkc(kana))))


def is_latin(name: str) -> bool:
    """A name in Roman letters, as a passport prints it."""
    letters = [ch for ch in _nfkc(name) if not ch.isspace() and ch not in "-'.,"]
    return bool(letters) and all("a" <= ch.lower() <= "z" for ch in letters)


_LONG_O_H = re.compile(r"oh(?=[^aeiouy]|$)")
_SYLLABIC_M = re.compile(r"m(?=[bmp])")


def romaji_key(text: str) -> str:
    """A romanised name reduced so that passport Hepburn and a kana reading compare equal.

    Passports drop long vowels (サトウ is SATO, オオノ is ONO or OHNO) and write ン as M
    before B, M and P (ナンバ is NAMBA); the key drops and folds the same way on both sides.
    """
    folded = re.sub(r"[^a-z]", "", _nfkc(text).lower())
    folded = _LONG_O_H.sub("o", folded)
    folded = _SYLLABIC_M.sub("n", folded)
    for long_vowel, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        folded = folded.replace(long_vowel, short)
    return folded


def kana_to_romaji(kana: str) -> str:
    """Roman letters for a kana reading, e.g. タカハシ ミサキ -> TAKAHASHI MISAKI."""
    hiragana = jaconv.kata2hira(_nfkc(kana).replace("\u3000", " "))
    return str(jaconv.kana2alphabet(hiragana)).replace("-", "").upper()


def names_match(shown: str, expected_name: str, expected_kana: str) -> bool:
    """Whether the name on a document is the expected person's name.

    A name in Roman letters (a passport) is compared with the kana reading; any other with
    the name as written, and, failing that, with the kana reading (a name written in kana).
    """
    if not shown.strip():
        return False
    if is_latin(shown):
        return bool(expected_kana) and romaji_key(shown) == romaji_key(
            kana_to_romaji(expected_kana)
        )
    key = name_key(shown)
    return key == name_key(expected_name) or (
        bool(expected_kana) and key == kana_key(expected_kana)
    )


# --- addresses ---------------------------------------------------------------------------

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

_KANJI_DIGITS = {
    "〇": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER = re.compile(r"([〇一二三四五六七八九十百]+)(?=丁目|番地|番|号)")
# Hyphen-like characters people and fonts use between address numbers; ー (the katakana
# long-vowel mark) counts only between digits, where it cannot be part of a word.
_DASH = re.compile(r"(?<=\d)\s*[-‐‑‒–—―−－ーｰ]\s*(?=\d)")


def _kanji_to_int(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二十三 -> 23, 百五 -> 105 (enough for block and lot numbers)."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[ch]
    return total + current


def address_key(address: str) -> str:
    """The comparable form of a Japanese address.

    Full-width digits and letters become ASCII (NFKC), kanji numerals before 丁目/番地/番/号
    become digits, every dash between numbers becomes "-", and 丁目, 番地, 番, 号 and の between
    numbers become "-", so 平和一丁目1番19号, 平和1-1-19 and 平和１－１－１９ are one key.
    Spaces are dropped and ヶ/ケ are one letter.
    """
    text = _nfkc(address)
    text = _KANJI_NUMBER.sub(lambda found: str(_kanji_to_int(found.group(1))), text)
    text = re.sub(r"\s+", "", text)
    text = text.replace("ヶ", "ケ").replace("ヵ", "カ")
    text = _DASH.sub("-", text)
    text = re.sub(r"(\d+)丁目", r"\1-", text)
    text = re.sub(r"(\d+)番地の?", r"\1-", text)
    text = re.sub(r"(\d+)番(?!地)", r"\1-", text)
    text = re.sub(r"(\d+)号室?", r"\1", text)
    text = re.sub(r"(\d+)の(?=\d)", r"\1-", text)
    text = re.sub(r"-+", "-", text)
    return text.rstrip("-")


def _without_prefecture(key: str) -> str:
    for prefecture in PREFECTURES:
        if key.startswith(prefecture):
            return key[len(prefecture) :]
    return key


def addresses_match(shown: str, expected: str) -> bool:
    """Whether the address on a document is the expected address.

    Keys must be equal; a prefecture written on one side only is allowed (licences and
    letters from the designated cities often leave it out).
    """
    if not shown.strip() or not expected.strip():
        return False
    left, right = address_key(shown), address_key(expected)
    if left == right:
        return True
    bare_left, bare_right = _without_prefecture(left), _without_prefecture(right)
    # Only when one side names no prefecture: two different prefectures never match.
    one_side_only = (bare_left == left) != (bare_right == right)
    return one_side_only and bare_left == bare_right
