"""Frame encoding on a stand-in trainer whose grids are known exactly."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from app.services.frames import (
    axis_range,
    decode_grid,
    encode_frame,
    finite_list,
    quantize_into,
    rounded_lists,
)


def cell_centres(resolution: int) -> np.ndarray:
    return -6.0 + (np.arange(resolution) + 0.5) * 12.0 / resolution


class GridTrainer:
    """Trainer-shaped object with arbitrary grids, for checking the encoding alone."""

    def __init__(self, problem: str, values: np.ndarray, neurons: list[np.ndarray]) -> None:
        self.problem = problem
        self.layer_sizes = [layer.shape[0] for layer in neurons]
        self.values = values.astype(np.float32)
        self.neurons = [n.astype(np.float32) for n in neurons]
        self.classes: np.ndarray | None = None
        self.loss = 0.25
        self.weight_value = 0.123456789

    def state(self) -> dict[str, Any]:
        return {
            "status": "ready" if np.isfinite(self.loss) else "diverged",
            "epoch": 1,
            "iteration": 30,
            "iterations_per_epoch": 25,
            "train_loss": self.loss,
            "test_loss": self.loss,
            "train_accuracy": 0.5,
            "test_accuracy": None,
            "diverged_at": None if np.isfinite(self.loss) else (1, 30),
        }

    def boundary(self, resolution: int) -> dict[str, Any]:
        assert self.values.shape == (resolution, resolution)
        grid = {"xs": cell_centres(resolution), "ys": cell_centres(resolution)[::-1]}
        grid["values"] = self.values
        if self.classes is not None:
            grid["classes"] = self.classes
        return grid

    def neuron_grids(self, resolution: int) -> list[np.ndarray]:
        assert all(n.shape[1:] == (resolution, resolution) for n in self.neurons)
        return self.neurons

    def weights(self) -> list[np.ndarray]:
        sizes = self.layer_sizes
        return [np.full((a, b), self.weight_value) for a, b in zip(sizes, sizes[1:], strict=False)]

    def biases(self) -> list[np.ndarray]:
        return [np.zeros(size) for size in self.layer_sizes[1:]]

    def gradient_norms(self) -> list[float]:
        return [float(self.loss)] * (len(self.layer_sizes) - 1)

    def mean_activations(self) -> list[float]:
        return [0.5] * (len(self.layer_sizes) - 1)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def binary_trainer(rng: np.random.Generator, resolution: int = 20, thumb: int = 8) -> GridTrainer:
    neurons = [rng.uniform(-3, 3, (2, thumb, thumb)), rng.uniform(-1, 1, (3, thumb, thumb))]
    neurons.append(rng.uniform(0, 1, (1, thumb, thumb)))
    return GridTrainer("binary", rng.uniform(0, 1, (resolution, resolution)), neurons)


def test_quantize_round_trip_error_is_within_half_a_step(rng: np.random.Generator) -> None:
    values = rng.uniform(-2.0, 5.0, 1000).astype(np.float32)
    out = np.empty(1000, dtype=np.uint8)
    quantize_into(values, -2.0, 5.0, out)
    decoded = -2.0 + 7.0 * out.astype(np.float64) / 255
    assert np.abs(decoded - values).max() <= 7.0 / 510 + 1e-6
    assert out.min() <= 1 and out.max() >= 254


def test_quantize_clips_and_maps_non_finite_to_zero() -> None:
    values = np.array([-10.0, 0.0, 0.5, 1.0, 10.0, np.nan, np.inf], dtype=np.float32)
    out = np.empty(values.size, dtype=np.uint8)
    quantize_into(values, 0.0, 1.0, out)
    assert out.tolist() == [0, 0, 128, 255, 255, 0, 0]


def test_binary_frame_layout_and_values(rng: np.random.Generator) -> None:
    trainer = binary_trainer(rng)
    frame = encode_frame(trainer, seq=3, playing=True, resolution=20, thumbnail_resolution=8)
    header = frame.header
    assert header["type"] == "frame" and header["seq"] == 3 and header["playing"] is True
    assert [g["name"] for g in header["grids"]] == ["boundary", "neurons"]
    boundary, neurons = header["grids"]
    assert boundary == {"name": "boundary", "offset": 0, "shape": [20, 20], "lo": 0.0, "hi": 1.0}
    assert neurons["offset"] == 400 and neurons["shape"] == [6, 8, 8]
    assert header["byte_length"] == len(frame.payload) == 400 + 6 * 64
    assert header["xs_range"] == [-6.0, 6.0] and header["ys_range"] == [-6.0, 6.0]

    decoded = decode_grid(header, frame.payload, "boundary")
    assert np.abs(decoded - trainer.values).max() <= 1 / 510 + 1e-6
    assert "lo" not in neurons and len(neurons["layer_ranges"]) == 3
    decoded_neurons = decode_grid(header, frame.payload, "neurons")
    assert decoded_neurons.shape == (6, 8, 8)


def test_each_layer_of_neurons_is_quantised_over_its_own_range(
    rng: np.random.Generator,
) -> None:
    # Raw features as large as x1² on [-6, 6] beside a tanh layer of small outputs: one shared
    # range would leave the tanh layer a handful of the 256 levels.
    thumb = 8
    features = rng.uniform(-36, 36, (3, thumb, thumb))
    hidden = 0.05 * np.tanh(rng.normal(size=(4, thumb, thumb)))
    output = rng.uniform(0, 1, (1, thumb, thumb))
    trainer = GridTrainer("binary", rng.uniform(0, 1, (20, 20)), [features, hidden, output])
    frame = encode_frame(trainer, seq=0, playing=False, resolution=20, thumbnail_resolution=thumb)
    header = json.loads(json.dumps(frame.header, allow_nan=False))
    entry = header["grids"][-1]
    decoded = decode_grid(header, frame.payload, "neurons")
    row = 0
    for layer, (lo, hi) in zip(trainer.neurons, entry["layer_ranges"], strict=True):
        bound = float(np.abs(layer).max())
        assert hi == pytest.approx(bound) and lo == -hi  # symmetric, the layer's own
        error = np.abs(decoded[row : row + len(layer)] - layer).max()
        assert error <= (hi - lo) / 510 + 1e-6
        codes = np.frombuffer(frame.payload, np.uint8, len(layer) * thumb * thumb,
                              entry["offset"] + row * thumb * thumb)  # fmt: skip
        # Its largest |value| takes code 0 or 255: a wide span of codes is in use (with
        # one range for all, the 0.05 tanh layer would sit on the middle two codes).
        assert int(codes.max()) - int(codes.min()) >= 100
        row += len(layer)


def test_a_layer_of_zeros_or_non_finite_values_still_decodes() -> None:
    zeros = np.zeros((2, 8, 8))
    broken = np.full((1, 8, 8), np.nan)
    broken[0, 0, :3] = [np.inf, -2.0, 1.0]
    trainer = GridTrainer("binary", np.zeros((20, 20)), [zeros, broken, np.ones((1, 8, 8))])
    frame = encode_frame(trainer, seq=0, playing=False, resolution=20, thumbnail_resolution=8)
    ranges = frame.header["grids"][-1]["layer_ranges"]
    assert ranges[0] == [-1e-9, 1e-9] and ranges[1] == [-2.0, 2.0]
    decoded = decode_grid(json.loads(json.dumps(frame.header)), frame.payload, "neurons")
    assert np.allclose(decoded[:2], 0, atol=1e-9) and np.allclose(decoded[3], 1, atol=1 / 255)
    assert decoded[2, 0, 1] == pytest.approx(-2.0) and decoded[2, 0, 2] == pytest.approx(
        1.0, abs=0.01
    )


def test_header_is_strict_json_with_rounded_weights(rng: np.random.Generator) -> None:
    frame = encode_frame(binary_trainer(rng), seq=0, playing=False, resolution=20,
                         thumbnail_resolution=8)  # fmt: skip
    text = json.dumps(frame.header, allow_nan=False)
    header = json.loads(text)
    assert header["layer_sizes"] == [2, 3, 1]
    assert np.array(header["weights"][0]).shape == (2, 3)
    assert header["weights"][1][2][0] == 0.123457
    assert header["state"]["train_loss"] == 0.25


def test_multiclass_frame_sends_class_indices_raw(rng: np.random.Generator) -> None:
    trainer = binary_trainer(rng)
    trainer.problem = "multiclass"
    trainer.classes = rng.integers(0, 3, (20, 20)).astype(np.uint8)
    frame = encode_frame(trainer, seq=0, playing=False, resolution=20, thumbnail_resolution=8)
    names = [g["name"] for g in frame.header["grids"]]
    assert names == ["boundary", "boundary_class", "neurons"]
    assert frame.header["grids"][1]["offset"] == 400
    assert np.array_equal(decode_grid(frame.header, frame.payload, "boundary_class"),
                          trainer.classes)  # fmt: skip
    assert frame.header["byte_length"] == 800 + 6 * 64


def test_regression_grid_uses_its_own_range_and_survives_a_constant_grid(
    rng: np.random.Generator,
) -> None:
    trainer = binary_trainer(rng)
    trainer.problem = "regression"
    trainer.values = rng.uniform(-40, 25, (20, 20)).astype(np.float32)
    frame = encode_frame(trainer, seq=0, playing=False, resolution=20, thumbnail_resolution=8)
    entry = frame.header["grids"][0]
    assert entry["lo"] == pytest.approx(trainer.values.min())
    assert entry["hi"] == pytest.approx(trainer.values.max())
    decoded = decode_grid(frame.header, frame.payload, "boundary")
    assert np.abs(decoded - trainer.values).max() <= 65 / 510 + 1e-4

    trainer.values = np.full((20, 20), 3.5, dtype=np.float32)
    frame = encode_frame(trainer, seq=0, playing=False, resolution=20, thumbnail_resolution=8)
    assert np.allclose(decode_grid(frame.header, frame.payload, "boundary"), 3.5)


def test_diverged_trainer_never_puts_nan_in_the_header(rng: np.random.Generator) -> None:
    trainer = binary_trainer(rng)
    trainer.loss = float("nan")
    trainer.weight_value = float("inf")
    trainer.values[:] = np.nan
    trainer.neurons[1][:] = np.nan
    frame = encode_frame(trainer, seq=9, playing=False, resolution=20, thumbnail_resolution=8)
    header = json.loads(json.dumps(frame.header, allow_nan=False))
    assert header["state"]["status"] == "diverged"
    assert header["state"]["diverged_at"] == [1, 30]
    assert header["state"]["train_loss"] is None
    assert header["weights"][0][0] == [None, None, None]
    assert header["gradient_norms"] == [None, None]
    assert set(frame.payload[:400]) == {0}


def test_finite_list_and_axis_range() -> None:
    assert finite_list(np.array([[1.0, np.nan], [np.inf, 2.0]])) == [[1.0, None], [None, 2.0]]
    assert axis_range(cell_centres(100)) == [-6.0, 6.0]
    assert axis_range(cell_centres(7)[::-1]) == [-6.0, 6.0]


def test_rounded_lists_keep_shapes_and_fall_back_for_non_finite() -> None:
    arrays = [np.array([[0.1234567, 2.0]]), np.array([-1.00000049])]
    assert rounded_lists(arrays, 6) == [[[0.123457, 2.0]], [-1.0]]
    assert rounded_lists([np.array([np.nan, 1.5])], 6) == [[None, 1.5]]
    assert rounded_lists([], 6) == []
