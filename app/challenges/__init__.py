"""Challenges the server verifies: a target in the lessons' check language and the rules a
run must keep (data set, noise, features, hidden neurons, epochs), judged in the engine
worker that owns each student's session, as it trains.

Pure Python over ``app.lessons`` and the engine: ``model`` reads and checks a challenge and
says which rules a run breaks, ``progress`` follows one run, ``ranking`` orders a room,
``catalog`` holds the built-in ones.
"""

from app.challenges.catalog import builtin_challenge, builtin_challenges
from app.challenges.model import RULES, Breach, Challenge, parse_challenge
from app.challenges.progress import ChallengeProgress, Reach
from app.challenges.ranking import ranks

__all__ = [
    "RULES",
    "Breach",
    "Challenge",
    "ChallengeProgress",
    "Reach",
    "builtin_challenge",
    "builtin_challenges",
    "parse_challenge",
    "ranks",
]
