"""How many sessions one client address may create: a token bucket per address.

Each address has ``burst`` tokens; creating a session spends one, and tokens come back at
``rate`` per second up to ``burst``. A bucket is kept as one number, the instant it is full
again (``full_at``), so that its tokens at ``now`` are::

    tokens = burst - max(0, full_at - now) * rate

and spending one moves ``full_at`` on by ``1 / rate``. A full bucket is the same as no
bucket, so full ones are dropped; buckets are kept in the order they last spent a token,
and one that spent nothing for ``burst / rate`` seconds is full, so the oldest go first.
Past ``max_addresses`` the oldest is dropped even if not full: that address is forgiven
what it spent, the price of bounded memory.

The address is ``request.client.host``: behind a reverse proxy on this machine that sends
``X-Forwarded-For``, the client's own (uvicorn trusts that header from 127.0.0.1); behind
any other proxy, the proxy's. A class behind one NAT shares its router's address, so the
default burst (``session_burst``, 150) lets a class of 100 all start at once.

The limiter belongs to the event loop: ``limit_session_creation`` is ``async`` so it runs
there, one request at a time, and the buckets need no lock.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status

from app.config import Settings
from app.schemas import ErrorOut

# Spending ``1 / rate`` seconds ``burst`` times need not sum to exactly ``burst / rate``.
TOKEN_TOLERANCE = 1e-9
DEFAULT_MAX_ADDRESSES = 10_000

RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorOut,
        "description": "This client address created its most sessions for now "
        "(session_burst at once, session_rate per second after)",
        "headers": {
            "Retry-After": {
                "description": "Seconds until this address may create a session again",
                "schema": {"type": "integer", "example": 1},
            }
        },
    }
}


class CreationLimiter:
    """A token bucket per client address: ``burst`` at once, then ``rate`` per second.

    Parameters
    ----------
    rate : tokens (sessions) given back per second, > 0.
    burst : tokens a bucket holds, >= 1; a new address starts full.
    clock : seconds, never going back (``time.monotonic``; a fake one in tests).
    max_addresses : buckets kept at the most; past it the oldest is dropped.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = DEFAULT_MAX_ADDRESSES,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"rate: expected a finite number > 0, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst: expected an integer >= 1, got {burst!r}")
        if max_addresses < 1:
            raise ValueError(f"max_addresses: expected an integer >= 1, got {max_addresses!r}")
        self.rate = rate
        self.burst = burst
        self.max_addresses = max_addresses
        self._clock = clock
        self._interval = 1.0 / rate
        # address -> full_at, least recently spent first.
        self._full_at: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        """Buckets kept (addresses that spent a token and are not full again)."""
        return len(self._full_at)

    def take(self, address: str) -> float | None:
        """Spend one of ``address``'s tokens: None if it had one, else seconds until it has."""
        now = self._clock()
        self._drop_full(now)
        full_at = self._full_at.get(address, now)
        spent = max(0.0, full_at - now) * self.rate  # tokens short of full
        if spent > self.burst - 1 + TOKEN_TOLERANCE:
            return (spent - (self.burst - 1)) / self.rate
        if address not in self._full_at and len(self._full_at) >= self.max_addresses:
            self._full_at.popitem(last=False)
        self._full_at[address] = max(full_at, now) + self._interval
        self._full_at.move_to_end(address)
        return None

    def _drop_full(self, now: float) -> None:
        # Each bucket is full within burst / rate of its last spend, so dropping from the
        # oldest end reaches every full one in time (behind a not yet full one, it waits).
        while self._full_at:
            address, full_at = next(iter(self._full_at.items()))
            if full_at > now:
                return
            del self._full_at[address]


def client_address(request: Request) -> str:
    """The peer's host; "" when the server does not know it (all such clients share one)."""
    return request.client.host if request.client is not None else ""


def creation_limit(limiter_name: str, what: str) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A dependency for routes that create ``what``: 429 with ``Retry-After`` once the
    address has spent the ``CreationLimiter`` at ``app.state.<limiter_name>``."""

    async def limit(request: Request) -> None:
        limiter: CreationLimiter = getattr(request.app.state, limiter_name)
        wait = limiter.take(client_address(request))
        if wait is None:
            return
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many {what} created from this address: at most {limiter.burst} at "
            f"once and {limiter.rate:g} per second after; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )

    return limit


limit_session_creation = creation_limit("creation_limiter", "sessions")


def install_creation_limiter(app: FastAPI, settings: Settings) -> None:
    """Give ``app`` the limiter ``limit_session_creation`` reads, from ``settings``."""
    app.state.creation_limiter = CreationLimiter(settings.session_rate, settings.session_burst)
