"""Session creation per client address: the token bucket on a fake clock, then over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_clock import FakeClock
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from app.api.errors import install_error_handlers
from app.api.rate_limit import (
    RATE_LIMITED,
    CreationLimiter,
    install_creation_limiter,
    limit_session_creation,
)
from app.config import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_burst_then_refused(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=2.0, burst=5, clock=clock)
    assert [limiter.take("a") for _ in range(5)] == [None] * 5
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("a") == pytest.approx(0.5)  # a refused take spends nothing


@pytest.mark.parametrize("rate", [3.0, 0.1, 7.0])
def test_burst_is_exact_whatever_the_rate(clock: FakeClock, rate: float) -> None:
    """1 / rate added 150 times need not be 150 / rate: the burst is still 150."""
    limiter = CreationLimiter(rate=rate, burst=150, clock=clock)
    allowed = sum(limiter.take("a") is None for _ in range(151))
    assert allowed == 150


def test_refill_at_rate(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=2.0, burst=4, clock=clock)
    for _ in range(4):
        limiter.take("a")
    clock.now += 0.25
    assert limiter.take("a") == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.take("a") is None  # one token back after 1 / rate
    assert limiter.take("a") == pytest.approx(0.5)
    clock.now += 1.0
    assert [limiter.take("a") for _ in range(3)] == [None, None, 0.5]


def test_refill_stops_at_burst(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=1.0, burst=3, clock=clock)
    limiter.take("a")
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, pytest.approx(1.0)]


def test_addresses_are_separate(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=1.0, burst=2, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, 1.0]
    assert limiter.take("b") is None


def test_full_buckets_are_dropped(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=1.0, burst=2, clock=clock)
    limiter.take("a")
    limiter.take("b")
    limiter.take("b")
    assert len(limiter) == 2
    clock.now += 1.0  # "a" full again, "b" one short
    limiter.take("c")
    assert len(limiter) == 2
    clock.now += 1.0  # "b" full too; "c" one short
    limiter.take("c")
    assert len(limiter) == 1


def test_never_more_than_max_addresses(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=1.0, burst=2, clock=clock, max_addresses=3)
    for address in ("a", "b", "c"):
        limiter.take(address)
        limiter.take(address)
    assert limiter.take("a") == 1.0
    limiter.take("d")  # "a" spent its last token first: it is dropped, and forgiven
    assert len(limiter) == 3
    assert limiter.take("a") is None
    assert limiter.take("c") == 1.0  # "c" is kept, still spent
    assert len(limiter) == 3


def test_many_addresses_stay_bounded(clock: FakeClock) -> None:
    limiter = CreationLimiter(rate=1.0, burst=150, clock=clock, max_addresses=100)
    for number in range(10_000):
        assert limiter.take(f"10.0.{number // 256}.{number % 256}") is None
    assert len(limiter) == 100


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"rate": 0.0, "burst": 1}, "rate: expected a finite number > 0, got 0.0"),
        ({"rate": float("inf"), "burst": 1}, "rate: expected a finite number > 0, got inf"),
        ({"rate": 1.0, "burst": 0}, "burst: expected an integer >= 1, got 0"),
        ({"rate": 1.0, "burst": 1, "max_addresses": 0}, "max_addresses: expected"),
    ],
)
def test_bad_arguments(arguments: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CreationLimiter(**arguments)  # type: ignore[arg-type]


# Over HTTP: a tiny app whose one route creates nothing, behind the dependency.


@pytest.fixture
def app(clock: FakeClock) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)  # the app's own: a 429 has the shape of every other error
    app.state.creation_limiter = CreationLimiter(rate=0.5, burst=3, clock=clock)

    @app.post("/things", status_code=201, dependencies=[Depends(limit_session_creation)])
    def create_thing() -> dict[str, str]:
        return {"created": "yes"}

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=("203.0.113.7", 40000)) as test_client:
        yield test_client


def test_install_reads_the_settings() -> None:
    app = FastAPI()
    install_creation_limiter(app, Settings(session_rate=2.5, session_burst=7))
    assert (app.state.creation_limiter.rate, app.state.creation_limiter.burst) == (2.5, 7)


def test_http_burst_then_429(client: TestClient, app: FastAPI, clock: FakeClock) -> None:
    assert [client.post("/things").status_code for _ in range(3)] == [201] * 3
    clock.now += 0.5  # half a token back: 1.5 s to wait, said as 2
    refused = client.post("/things")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.json() == {
        "detail": "too many sessions created from this address: at most 3 at once and "
        "0.5 per second after; try again in 2 s"
    }

    with TestClient(app, client=("198.51.100.9", 40000)) as other:
        assert other.post("/things").status_code == 201

    clock.now += 1.5
    assert client.post("/things").status_code == 201
    assert client.post("/things").status_code == 429


def test_openapi_can_list_the_429() -> None:
    app = FastAPI()

    @app.post("/things", responses=RATE_LIMITED)
    def create_thing() -> None:
        return None

    answer = app.openapi()["paths"]["/things"]["post"]["responses"]["429"]
    assert "Retry-After" in answer["headers"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
