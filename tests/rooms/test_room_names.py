"""Display names: any script, trimmed, composed, bounded, no control characters, and when
two are the same."""

from __future__ import annotations

import re
import unicodedata

import pytest

from app.rooms.names import MAX_TITLE_CHARS, display_name, name_key, room_title

MOST = 40


@pytest.mark.parametrize("name", ["민준", "Sara", "陈", "Zoë", "Ana-María O'Neil", "محمد", "😀"])
def test_names_in_any_script_are_kept_as_typed(name: str) -> None:
    assert display_name(name, MOST) == name


def test_a_name_is_composed_trimmed_and_its_spaces_collapsed() -> None:
    decomposed = unicodedata.normalize("NFD", "민준")
    assert len(decomposed) == 6  # three jamo each
    assert display_name(decomposed, MOST) == "민준"
    assert display_name("  Sara \u3000 Kim\u2028 ", MOST) == "Sara Kim"


def test_the_length_is_bounded_as_sent_and_as_shown() -> None:
    assert display_name("가" * MOST, MOST) == "가" * MOST
    assert display_name(unicodedata.normalize("NFD", "각" * 13), MOST) == "각" * 13  # 39 sent
    for sent in ("a" * (MOST + 1), " " + "a" * MOST, unicodedata.normalize("NFD", "각" * 14)):
        with pytest.raises(ValueError, match=r"^name: expected at most 40 characters, got 4"):
            display_name(sent, MOST)
    lengthened = "\u0958" * MOST  # NFC writes each as two code points
    with pytest.raises(ValueError, match=r"^name: expected at most 40 characters, got 80$"):
        display_name(lengthened, MOST)


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_an_empty_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^name: expected at least one character"):
        display_name(name, MOST)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("a\x00b", "U+0000"), ("Sara\x1b[31m", "U+001B"), ("abc\u202edcba", "U+202E"),
     ("a\u200bb", "U+200B"), ("\ue000", "U+E000"), ("a\x7f", "U+007F")],
)  # fmt: skip
def test_control_and_invisible_characters_are_refused_by_name(name: str, shown: str) -> None:
    expected = rf"^name: expected letters, .*got {re.escape(shown)} \(a character of category C"
    with pytest.raises(ValueError, match=expected):
        display_name(name, MOST)


def test_the_zero_width_joiners_that_scripts_need_are_kept() -> None:
    persian = "می\u200cخواهم"  # ZWNJ between two words' parts
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # an emoji sequence joined by ZWJ
    assert display_name(persian, MOST) == persian
    assert display_name(family, MOST) == family


def test_names_differing_in_case_width_or_composition_are_the_same() -> None:
    assert name_key("Sara") == name_key("SARA") == name_key("ｓａｒａ") == name_key("sara")
    assert name_key("Zoë") == name_key(unicodedata.normalize("NFD", "ZOË"))
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("민준") != name_key("민지")
    assert name_key("陈") != name_key("陳")  # simplified and traditional are two names


def test_a_title_may_be_empty_but_is_otherwise_a_name() -> None:
    assert room_title("") == ""
    assert room_title("  Lab 3:  XOR ") == "Lab 3: XOR"
    with pytest.raises(ValueError, match=r"^title: expected at most 80"):
        room_title("x" * (MAX_TITLE_CHARS + 1))
    with pytest.raises(ValueError, match=r"^title: expected letters"):
        room_title("Lab\x003")
