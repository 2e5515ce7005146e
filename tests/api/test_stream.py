"""The live stream through Starlette's TestClient (protocol: docs/protocol.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from app_state import stored_session
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stream_helpers import (
    MAX_FRAMES,
    app,
    client,
    connect,
    new_session,
    receive,
    receive_frame,
    request_frame,
    send,
)

from app.services.frames import decode_grid

__all__ = ["app", "client"]  # fixtures


def test_hello_describes_the_session_and_stream_settings(client: TestClient) -> None:
    session_id = new_session(client, dataset="xor", hidden_layers=[3])
    with connect(client, session_id) as ws:
        hello = receive(ws)
    assert hello["type"] == "hello" and hello["id"] == session_id
    assert hello["config"]["dataset"] == "xor" and hello["config"]["hidden_layers"] == [3]
    assert hello["state"]["iteration"] == 0 and hello["state"]["status"] == "ready"
    assert hello["stream"] == {"fps": 30, "speed": 1, "speed_unit": "iteration",
                               "resolution": 100, "thumbnail_resolution": 24}  # fmt: skip


def test_step_frame_layout_and_grids_match_the_trainer(app: FastAPI, client: TestClient) -> None:
    session_id = new_session(client, dataset="circles", hidden_layers=[4, 2], seed=5)
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "step"})
        header, payload = receive_frame(ws)

    assert header["state"]["iteration"] == 1 and header["playing"] is False
    assert header["problem"] == "binary" and header["layer_sizes"] == [2, 4, 2, 1]
    assert len(payload) == header["byte_length"] == 100 * 100 + 9 * 24 * 24
    assert header["xs_range"] == [-6.0, 6.0] and header["ys_range"] == [-6.0, 6.0]
    assert [np.array(w).shape for w in header["weights"]] == [(2, 4), (4, 2), (2, 1)]
    assert [len(b) for b in header["biases"]] == [4, 2, 1]
    assert len(header["gradient_norms"]) == 3 and header["gradient_norms"][0] > 0
    json.dumps(header, allow_nan=False)

    trainer = stored_session(client, session_id).trainer
    expected = trainer.boundary(100)["values"]
    assert np.abs(decode_grid(header, payload, "boundary") - expected).max() <= 1 / 510 + 1e-6
    layers = trainer.neuron_grids(24)
    entry = next(g for g in header["grids"] if g["name"] == "neurons")
    decoded, row = decode_grid(header, payload, "neurons"), 0
    for layer, (lo, hi) in zip(layers, entry["layer_ranges"], strict=True):
        assert hi == pytest.approx(np.abs(layer).max()) and lo == -hi
        assert np.abs(decoded[row : row + len(layer)] - layer).max() <= hi / 255 + 1e-5
        row += len(layer)
    assert np.allclose(header["weights"][1], trainer.weights()[1], atol=1e-6)


def test_epoch_step_reset_and_multiclass_grids(client: TestClient) -> None:
    session_id = new_session(client, dataset="spiral3", n_samples=120, batch_size=10)
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "step", "unit": "epoch"})
        header, payload = receive_frame(ws)
        assert header["state"]["epoch"] == 1 and header["state"]["iteration"] == 6
        assert [g["name"] for g in header["grids"]] == ["boundary", "boundary_class", "neurons"]
        classes = decode_grid(header, payload, "boundary_class")
        assert set(np.unique(classes)) <= {0, 1, 2}

        send(ws, {"type": "reset"})
        header, _ = receive_frame(ws)
        assert header["state"]["iteration"] == 0 and header["state"]["epoch"] == 0


def test_play_advances_counters_and_pause_stops(client: TestClient) -> None:
    session_id = new_session(client, dataset="xor")
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "stream", "fps": 60, "speed": 3})
        assert receive(ws) == {"type": "stream", "fps": 60, "speed": 3,
                               "speed_unit": "iteration", "resolution": 100,
                               "thumbnail_resolution": 24}  # fmt: skip
        receive_frame(ws)  # the frame answering the stream message
        send(ws, {"type": "play"})
        frames = [receive_frame(ws)[0] for _ in range(6)]
        assert all(frame["playing"] for frame in frames)
        iterations = [frame["state"]["iteration"] for frame in frames]
        assert np.diff(iterations).tolist() == [3] * 5
        assert np.all(np.diff([frame["seq"] for frame in frames]) == 1)

        send(ws, {"type": "pause"})
        header, _ = receive_frame(ws)
        for _ in range(MAX_FRAMES):
            if not header["playing"]:
                break
            header, _ = receive_frame(ws)
        paused_at = header["state"]["iteration"]
        # Nothing trains while paused: the next frame asked for shows the same counters.
        assert request_frame(ws)[0]["state"]["iteration"] == paused_at
        assert request_frame(ws)[0]["playing"] is False


def test_speed_zero_trains_as_much_as_fits_in_the_frame_budget(client: TestClient) -> None:
    session_id = new_session(client, dataset="circles")
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "stream", "fps": 10, "speed": 0, "resolution": 20})
        receive_frame(ws)
        send(ws, {"type": "play"})
        first, _ = receive_frame(ws)
        second, _ = receive_frame(ws)
        send(ws, {"type": "pause"})
    # Speed 0 trains for a time budget, not a count: more than the one update of speed 1
    # (half of a 100 ms frame fits thousands of updates of a 4-2 network).
    assert second["state"]["iteration"] - first["state"]["iteration"] > 1


def test_update_applies_live_or_rebuilds(client: TestClient) -> None:
    session_id = new_session(client, dataset="circles", hidden_layers=[4, 2])
    with connect(client, session_id) as ws:
        receive(ws)
        for _ in range(5):
            send(ws, {"type": "step"})
            before, _ = receive_frame(ws)

        send(ws, {"type": "update", "config": {"learning_rate": 0.1, "optimizer": "adam"}})
        reply = receive(ws)
        assert reply["type"] == "config" and reply["rebuilt"] is False
        assert reply["config"]["learning_rate"] == 0.1 and reply["config"]["optimizer"] == "adam"
        live, _ = receive_frame(ws)
        assert live["state"]["iteration"] == 5 and live["weights"] == before["weights"]

        send(ws, {"type": "update", "config": {"hidden_layers": [3]}})
        reply = receive(ws)
        assert reply["rebuilt"] is True and reply["state"]["iteration"] == 0
        rebuilt, payload = receive_frame(ws)
        assert rebuilt["layer_sizes"] == [2, 3, 1] and rebuilt["state"]["iteration"] == 0
        assert next(g for g in rebuilt["grids"] if g["name"] == "neurons")["shape"][0] == 6
        assert len(payload) == rebuilt["byte_length"]
    assert client.get(f"/api/sessions/{session_id}").json()["config"]["hidden_layers"] == [3]


def test_set_weight_and_set_bias_change_the_network(client: TestClient) -> None:
    session_id = new_session(client, dataset="xor", hidden_layers=[4])
    with connect(client, session_id) as ws:
        receive(ws)
        before, _ = request_frame(ws)
        send(ws, {"type": "set_weight", "layer": 0, "from": 1, "to": 2, "value": 0.75})
        after, _ = receive_frame(ws)
        assert after["weights"][0][1][2] == 0.75
        assert after["weights"][0][1][2] != before["weights"][0][1][2]
        assert after["weights"][1] == before["weights"][1]

        send(ws, {"type": "set_bias", "layer": 1, "neuron": 0, "value": -2.5})
        header, _ = receive_frame(ws)
        assert header["biases"][1] == [-2.5]

    model = client.get(f"/api/sessions/{session_id}/model").json()
    assert model["layers"][0]["weights"][1][2] == 0.75 and model["layers"][1]["biases"] == [-2.5]


def test_a_diverging_session_sends_one_diverged_frame_and_stops(client: TestClient) -> None:
    session_id = new_session(client, dataset="plane", optimizer="sgd", learning_rate=10.0)
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "stream", "fps": 60, "speed": 50, "resolution": 20})
        receive_frame(ws)
        send(ws, {"type": "play"})
        for _ in range(MAX_FRAMES):
            header, payload = receive_frame(ws)
            if header["state"]["status"] == "diverged":
                break
        state = header["state"]
        assert state["status"] == "diverged" and header["playing"] is False
        assert state["train_loss"] is None and state["test_loss"] is None
        assert state["diverged_at"] is not None and len(state["diverged_at"]) == 2
        json.dumps(header, allow_nan=False)
        assert len(payload) == header["byte_length"]
        # It stopped: a frame asked for now shows the same counters, still not playing.
        again, _ = request_frame(ws)
        assert again["playing"] is False and again["state"] == state
        send(ws, {"type": "play"})  # playing a diverged session: one frame, still stopped
        assert receive_frame(ws)[0]["playing"] is False
        assert request_frame(ws)[0]["state"]["iteration"] == state["iteration"]


def test_a_speed_in_epochs_trains_whole_epochs_per_frame(client: TestClient) -> None:
    session_id = new_session(client, dataset="circles")  # 25 iterations per epoch
    with connect(client, session_id) as ws:
        receive(ws)
        for _ in range(3):  # mid-epoch: the first frame trains to this epoch's end
            send(ws, {"type": "step"})
            receive_frame(ws)
        send(ws, {"type": "stream", "speed": 2, "speed_unit": "epoch", "resolution": 20})
        assert receive(ws)["speed_unit"] == "epoch"
        receive_frame(ws)
        send(ws, {"type": "play"})
        counters = [receive_frame(ws)[0]["state"] for _ in range(3)]
        send(ws, {"type": "pause"})
    epochs = [(state["epoch"], state["iteration"]) for state in counters]
    assert epochs[0] == (2, 50)  # the rest of epoch 1 (22 iterations), then one more epoch
    assert epochs[1:] == [(4, 100), (6, 150)]


def test_a_speed_in_epochs_has_its_own_bound(client: TestClient) -> None:
    session_id = new_session(client)
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "stream", "speed": 500})  # fine in iterations
        assert receive(ws)["speed"] == 500
        receive_frame(ws)
        send(ws, {"type": "stream", "speed_unit": "epoch"})  # 500 epochs a frame: too many
        error = receive(ws)
        assert error["field"] == "speed"
        assert error["message"] == "speed: expected at most 100 epochs per frame, got 500"
        send(ws, {"type": "stream", "speed": 1, "speed_unit": "epoch"})
        assert receive(ws)["speed_unit"] == "epoch"
