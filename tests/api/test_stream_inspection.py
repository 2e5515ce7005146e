"""The stream's views of one iteration: a frame's ``batch`` and the ``inspect_step`` command."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from app_state import stored_session
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stream_helpers import MAX_FRAMES, app, client, connect, new_session, receive, send
from stream_helpers import receive_frame as next_frame

from app.engine.features import make_features

__all__ = ["app", "client"]  # fixtures

# 100 training points at batch size 20: five iterations per epoch.
CONFIG: dict[str, Any] = {"dataset": "xor", "n_samples": 200, "batch_size": 20, "seed": 4}


def test_a_frame_after_an_iteration_step_names_the_batch_in_the_data_order(
    app: FastAPI, client: TestClient
) -> None:
    session_id = new_session(client, **CONFIG, regularization="l2", regularization_rate=0.01)
    data = client.get(f"/api/sessions/{session_id}/data").json()
    with connect(client, session_id) as ws:
        receive(ws)
        for step in range(6):
            before = stored_session(client, session_id).trainer.network.params.copy()
            send(ws, {"type": "step", "unit": "iteration"})
            header, _ = next_frame(ws)
            batch = header["batch"]
            where = (batch["position"], batch["of"], batch["epoch"])
            assert where == (step % 5 + 1, 5, step // 5 + 1)
            indices = batch["train_indices"]
            assert len(indices) == 20
            # The points as GET /data lists them, through the engine: the step's very update.
            X = np.array([data["train"]["x"][i] for i in indices])
            y = np.array([data["train"]["y"][i] for i in indices])
            trainer = stored_session(client, session_id).trainer
            network = trainer.network
            after = network.params.copy()
            network.params[...] = before
            _, gradient = network.gradient(make_features(X, trainer.config.features), y, "l2", 0.01)
            network.params[...] = after
            np.testing.assert_allclose(after, before - 0.03 * gradient, rtol=1e-12, atol=1e-15)

        send(ws, {"type": "frame"})
        assert "batch" in next_frame(ws)[0]  # nothing trained since: still that batch
        send(ws, {"type": "step", "unit": "epoch"})
        assert "batch" not in next_frame(ws)[0]
        send(ws, {"type": "step"})
        assert next_frame(ws)[0]["batch"]["position"] == 1
        send(ws, {"type": "play"})
        assert "batch" not in next_frame(ws)[0]


def test_inspect_step_answers_with_the_numbers_of_the_update(client: TestClient) -> None:
    session_id = new_session(client, **CONFIG, hidden_layers=[3])
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "inspect_step", "layer": 0, "from": 1, "to": 2})
        answer = receive(ws)
        header, _ = next_frame(ws)
    assert answer["type"] == "inspection", answer
    assert {key: answer[key] for key in ("layer", "from", "to", "optimizer", "learning_rate")} == {
        "layer": 0, "from": 1, "to": 2, "optimizer": "sgd", "learning_rate": 0.03,
    }  # fmt: skip
    value, gradient = answer["value"], answer["gradient"]
    assert gradient != 0 and answer["penalty_gradient"] == 0
    after = value - answer["learning_rate"] * gradient
    assert after == pytest.approx(answer["value_after"], rel=1e-15, abs=1e-15)
    assert header["state"]["iteration"] == answer["iteration"] == 1
    assert header["batch"]["position"] == 1
    assert header["weights"][0][1][2] == round(answer["value_after"], 6)
    model = client.get(f"/api/sessions/{session_id}/model").json()
    assert model["layers"][0]["weights"][1][2] == answer["value_after"]  # the full float


@pytest.mark.parametrize(
    ("message", "field", "text"),
    [
        ({"layer": 2, "from": 0, "to": 0}, "layer", "layer: expected an index below 2, got 2"),
        ({"layer": 0, "from": 5, "to": 0}, "from", "from: expected an index below 2, got 5"),
        ({"layer": 1, "from": 0, "to": 3}, "to", "to: expected an index below 1, got 3"),
        ({"layer": 0, "from": 0}, "to", "to: required, got nothing"),
        ({"layer": -1, "from": 0, "to": 0}, "layer", None),
        ({"layer": 0, "from": 0, "to": 0, "value": 1}, "value", None),
    ],
)
def test_a_bad_weight_is_an_error_naming_the_field(
    client: TestClient, message: dict[str, Any], field: str, text: str | None
) -> None:
    session_id = new_session(client, **CONFIG, hidden_layers=[3])
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "inspect_step", **message})
        error = receive(ws)
        assert error["type"] == "error" and error["field"] == field, error
        assert text is None or error["message"] == text
        send(ws, {"type": "frame"})
        assert next_frame(ws)[0]["state"]["iteration"] == 0  # nothing trained


def test_a_diverged_session_is_not_stepped_and_nothing_is_nan(client: TestClient) -> None:
    session_id = new_session(client, dataset="plane", optimizer="sgd", learning_rate=10.0)
    with connect(client, session_id) as ws:
        receive(ws)
        answers = []
        for _ in range(MAX_FRAMES):
            send(ws, {"type": "inspect_step", "layer": 0, "from": 0, "to": 0})
            text = ws.receive_text()
            json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} on the wire"))
            answer = json.loads(text)
            answers.append(answer)
            if answer["type"] == "error":
                break
            next_frame(ws)
    assert answers[-1] == {
        "type": "error",
        "message": "inspect_step: expected a session that trains, got a diverged one",
        "field": "inspect_step",
    }
    assert answers[-2]["type"] == "inspection"  # the step that diverged, reported
