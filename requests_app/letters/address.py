"""The recipient's postal code and address as the window of the envelope prints them.

Staff type addresses as the envelope showed them: full-width digits (１－１－１９), several kinds
of hyphen, ideographic spaces. For print they are normalised (NFKC for digits, Latin letters
and hyphens only, so kanji and their variants are left exactly as typed) and cut into
tokens: the block number (1丁目1番19号, 1-1-19) and the building with its room are never
broken across lines, and the building goes on a line of its own, as Japanese mail is
addressed. Pure: no database, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Every dash a person may type between the numbers of an address.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc\u30fc\uff0d\uff70\u02d7-"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{_DASHES}]\s*(?=\d)")
_SPACES = re.compile(r"[\s\u3000]+")
_KANJI_NUMBERS = "〇一二三四五六七八九十"
# A block number: 1丁目1番19号, 1丁目1-19, 1-1-19, 1番地の2, 三丁目4番5号, 2丁目 ...
_NUMBERS = r"\d+(?!\d|地割)(?:\s*(?:番地の?|番|号|-|の)\s*\d+)*(?:番地|番|号)?"
_BLOCK = re.compile(rf"[\d{_KANJI_NUMBERS}]+丁目(?:\s*{_NUMBERS})?|{_NUMBERS}")
_ROOM = re.compile(r"\s*(\d+(?:-\d+)*\s*(?:号室|号|階|F)?)$")
# How much of a line of the window a building may take before its name may break (in
# full-width characters; the window holds about 23 at its size).
BUILDING_LINE = 21
_POSTAL = re.compile(r"^(\d{3})-?(\d{4})$")


def _narrow(text: str) -> str:
    """Full-width ASCII (digits, Latin letters, punctuation) to its normal width; every
    other character stays exactly as typed."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text
    )


def normalise(text: str) -> str:
    """Digits and Latin letters in normal width, one kind of hyphen between numbers, single
    spaces."""
    text = _narrow(text)
    text = _DASH_BETWEEN_DIGITS.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def postal_code(value: str) -> str:
    """ "４６０－００２１" or "4600021" -> "460-0021" (anything else as normalised)."""
    text = normalise(value).replace(" ", "")
    match = _POSTAL.match(text)
    return f"{match.group(1)}-{match.group(2)}" if match else text


@dataclass(frozen=True)
class Token:
    text: str
    whole: bool  # never broken across lines


@dataclass(frozen=True)
class AddressLines:
    """The address as printed: the street part, then the building and room on a line of
    their own (both as tokens)."""

    street: tuple[Token, ...]
    building: tuple[Token, ...] = ()


def address_lines(value: str) -> AddressLines:
    """Cut the address into tokens. The first block number ends the street part; what
    follows it (the building and room) is the second line."""
    text = normalise(value)
    block = _BLOCK.search(text)
    if block is None:
        return AddressLines(street=_words(text))
    street = (*_words(text[: block.start()]), Token(block.group().replace(" ", ""), True))
    return AddressLines(street=street, building=_building(text[block.end() :].strip(" ,、")))


def _width(text: str) -> float:
    return sum(0.5 if unicodedata.east_asian_width(ch) in "NaH" else 1.0 for ch in text)


def _building(text: str) -> tuple[Token, ...]:
    """The building and room as one unbreakable token; a name too long for one line may
    break, but never inside the room number."""
    if not text:
        return ()
    if _width(text) <= BUILDING_LINE:
        return (Token(text, True),)
    room = _ROOM.search(text)
    if room is None or room.start() == 0:
        return _words(text)
    return (*_words(text[: room.start()]), Token(room.group(1).strip(), True))


def _words(text: str) -> tuple[Token, ...]:
    """Text before the block number: breakable, except numbers inside it (e.g. 第2地割)."""
    tokens: list[Token] = []
    position = 0
    for found in re.finditer(r"\d+(?:-\d+)*", text):
        if found.start() > position:
            tokens.append(Token(text[position : found.start()], False))
        tokens.append(Token(found.group(), True))
        position = found.end()
    if position < len(text):
        tokens.append(Token(text[position:], False))
    return tuple(token for token in tokens if token.text.strip())
