"""Room codes, teacher keys and student ids: what each is made of, and why.

- A room code is ``CODE_LENGTH`` characters of ``ALPHABET``: the capital letters and the
  digits 2–9 without the pairs a hand or a projector blurs (I/1, O/0), 32 symbols, so
  30 bits a code — short enough to write on a board and read from the back of a class.
  It names a room; it is no secret (the board needs the teacher's key).
- A teacher key is ``secrets.token_urlsafe(32)``: 256 random bits. Only its SHA-256 is kept
  (``key_digest``), and a key is checked with ``hmac.compare_digest`` on the digests, whose
  time does not depend on how much of it matched.
- A student id is 72 random bits: it tells the students on a board apart, and unlike the
  session id it gives no hold on anyone's session.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

EXCLUDED = "IO01"  # look-alikes
ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits[2:] if c not in EXCLUDED)
CODE_LENGTH = 6
# Either case in a path (a code typed by hand); rooms are kept under the capital letters.
CODE_PATTERN = "^[A-HJ-NP-Za-hj-np-z2-9]{6}$"
KEY_BYTES = 32
MAX_KEY_CHARS = 200  # a key far longer than ours is not worth hashing
STUDENT_ID_BYTES = 9

_CODE = re.compile(CODE_PATTERN)


def new_room_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def room_code(text: str) -> str:
    """``text`` as a room's code (capital letters), or ValueError naming what came."""
    if not _CODE.match(text):
        raise ValueError(
            f"code: expected {CODE_LENGTH} characters of {ALPHABET} (no I, O, 0 or 1), "
            f"got {text[:20]!r}"
        )
    return text.upper()


def new_teacher_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_digest(key: str) -> str:
    """The SHA-256 of ``key`` in hex: what the store keeps instead of the key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_matches(key: str, digest: str) -> bool:
    if len(key) > MAX_KEY_CHARS:
        return False
    return hmac.compare_digest(key_digest(key), digest)


def new_student_id() -> str:
    return secrets.token_urlsafe(STUDENT_ID_BYTES)
