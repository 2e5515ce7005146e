"""``asyncio.run`` for tests that run in the same session as the browser tests.

Playwright's sync API keeps an event loop running in the main thread from the first browser
test to the end of the session, and ``asyncio.run`` refuses to start under a running loop:
a thread of its own has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_fresh(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
