"""Room codes, teacher keys and student ids: their alphabet, length, entropy and checks."""

from __future__ import annotations

import base64
import math
import re
import string
from collections import Counter

import pytest

from app.rooms.codes import (
    ALPHABET,
    CODE_LENGTH,
    CODE_PATTERN,
    key_digest,
    key_matches,
    new_room_code,
    new_student_id,
    new_teacher_key,
    room_code,
)


def test_the_alphabet_has_no_look_alikes() -> None:
    expected = set(string.ascii_uppercase + "23456789") - set("IO")
    assert set(ALPHABET) == expected and len(ALPHABET) == len(expected) == 32
    assert not set(ALPHABET) & set("IO01")


def test_codes_are_six_characters_of_the_alphabet_drawn_evenly() -> None:
    codes = [new_room_code() for _ in range(4000)]
    assert all(len(code) == CODE_LENGTH == 6 for code in codes)
    counts = Counter("".join(codes))
    assert set(counts) == set(ALPHABET)
    expected = 4000 * CODE_LENGTH / len(ALPHABET)  # 750 each
    # A uniform draw stays within ±25 % of 750 (over 9 standard deviations) for every symbol.
    assert all(abs(count - expected) < 0.25 * expected for count in counts.values()), counts
    assert math.log2(len(ALPHABET)) * CODE_LENGTH == 30.0
    assert len(set(codes)) > 3990  # 2^30 codes: a handful of repeats at most


def test_the_pattern_a_path_is_checked_with_is_the_alphabet_in_either_case() -> None:
    accepted = {c for c in map(chr, range(0x20, 0x7F)) if re.match(CODE_PATTERN, c * CODE_LENGTH)}
    assert accepted == set(ALPHABET + ALPHABET.lower())
    assert not re.match(CODE_PATTERN, "A" * (CODE_LENGTH + 1))


def test_a_code_is_read_in_either_case_and_kept_in_capitals() -> None:
    assert room_code("abc234") == "ABC234"
    assert room_code("XYZ789") == "XYZ789"


@pytest.mark.parametrize("text", ["ABC23", "ABC2345", "ABCDE1", "ABCDEO", "ABCDÉF", "ABC 23", ""])
def test_a_malformed_code_is_refused_naming_the_alphabet(text: str) -> None:
    with pytest.raises(ValueError, match=r"^code: expected 6 characters of ABCDEFGH"):
        room_code(text)


def test_teacher_keys_carry_at_least_128_random_bits() -> None:
    keys = [new_teacher_key() for _ in range(200)]
    assert len(set(keys)) == len(keys)
    for key in keys[:10]:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
        assert len(raw) * 8 >= 128
        assert set(key) <= set(string.ascii_letters + string.digits + "-_")  # header-safe


def test_only_a_digest_of_the_key_is_compared() -> None:
    key = new_teacher_key()
    digest = key_digest(key)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef") and key not in digest
    assert key_matches(key, digest)
    assert not key_matches(new_teacher_key(), digest)
    assert not key_matches(key[:-1], digest)
    assert not key_matches("", digest)
    assert not key_matches(key + "x" * 1000, digest)  # too long to be one of ours


def test_student_ids_are_distinct_and_url_safe() -> None:
    ids = {new_student_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(each) == 12 and set(each) <= set(string.ascii_letters + "0123456789-_")
               for each in ids)  # fmt: skip
