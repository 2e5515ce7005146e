"""Reading a running app's sessions: their counts from ``GET /metrics``, a session from the
store."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from app.services.durable import SqliteSnapshotStore
from app.services.session import Session
from app.services.snapshots import restore_session


def metric_total(client: Any, name: str) -> float:
    """The sum over every sample (every worker) of the metric ``name``."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        if family.name == name:
            return sum(sample.value for sample in family.samples)
    raise AssertionError(f"no metric {name!r} in /metrics")


def sessions_in_memory(client: Any) -> int:
    return int(metric_total(client, "nnp_worker_sessions"))


def sessions_stored(client: Any) -> int:
    return int(metric_total(client, "nnp_stored_sessions"))


def stored_session(client: Any, session_id: str) -> Session:
    """The session as its last snapshot in the app's store holds it: what a restart would
    bring back. (Every command or call that changes a session writes it before answering.)"""
    settings = client.app.state.settings
    store = SqliteSnapshotStore.in_data_dir(settings.data_dir)
    try:
        blob = store.get(session_id)
    finally:
        store.close()
    assert blob is not None, f"no snapshot of session {session_id[:8]}"
    return restore_session(blob, settings, client.app.state.lessons)
