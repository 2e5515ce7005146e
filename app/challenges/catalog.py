"""The built-in challenges: one TOML file each in ``app/challenges/builtin/``, read once.

A file holds the keys of ``parse_challenge`` but ``id`` (the file's name) and an ``order``
for listing; any fault stops the loading, naming the file and the field.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from app.challenges.model import Challenge, parse_challenge


class ChallengeFileError(ValueError):
    """A built-in challenge file that cannot be used."""


@cache
def builtin_challenges() -> dict[str, Challenge]:
    """id -> challenge, in the files' ``order``."""
    folder = resources.files("app.challenges") / "builtin"
    found: list[tuple[int, Challenge]] = []
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            data = tomllib.loads(entry.read_text("utf-8"))
            order = data.pop("order")
            found.append((order, parse_challenge({**data, "id": entry.name[:-5]})))
        except (KeyError, ValueError, tomllib.TOMLDecodeError) as error:
            raise ChallengeFileError(f"builtin/{entry.name}: {error}") from None
    return {challenge.id: challenge for _, challenge in sorted(found, key=lambda f: f[0])}


def builtin_challenge(challenge_id: object, field: str = "challenge") -> Challenge:
    """The built-in challenge, or ``ValueError("challenge: expected one of …, got …")``."""
    challenges = builtin_challenges()
    found = challenges.get(challenge_id) if isinstance(challenge_id, str) else None
    if found is None:
        raise ValueError(f"{field}: expected one of {', '.join(challenges)}, got {challenge_id!r}")
    return found
