"""The client → server messages of the live stream (docs/protocol.md), with their bounds."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.schemas import ConfigUpdate

# Absolute caps; the server's settings (max_edited_parameter, max_fps, max_speed,
# max_resolution) set the limits actually applied, checked by the route.
MAX_EDITED_PARAMETER = 1e6
MAX_INDEX = 1000
# JSON nested deeper than the parser's recursion limit (a ~2 kB message can be) is refused.
TOO_DEEP = "expected a JSON object of ordinary depth, got nesting too deep to read"
SHOWN_CHARACTERS = 80  # of an offending value, in an error message

Index = Annotated[int, Field(ge=0, le=MAX_INDEX)]
ParameterValue = Annotated[
    float, Field(ge=-MAX_EDITED_PARAMETER, le=MAX_EDITED_PARAMETER, allow_inf_nan=False)
]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class Play(Message):
    type: Literal["play"]


class Pause(Message):
    type: Literal["pause"]


class Step(Message):
    type: Literal["step"]
    unit: Literal["iteration", "epoch"] = "iteration"


class Reset(Message):
    type: Literal["reset"]


class Update(Message):
    type: Literal["update"]
    # Checked against the same schema as PATCH /api/sessions/{id} by the route.
    config: dict[str, Any]


class SetWeight(Message):
    type: Literal["set_weight"]
    layer: Index
    source: Index = Field(alias="from")
    target: Index = Field(alias="to")
    value: ParameterValue


class SetBias(Message):
    type: Literal["set_bias"]
    layer: Index
    neuron: Index
    value: ParameterValue


class InspectStep(Message):
    """One iteration, reporting what it did to W[layer][from][to] (an `inspection`)."""

    type: Literal["inspect_step"]
    layer: Index
    source: Index = Field(alias="from")
    target: Index = Field(alias="to")


class StreamUpdate(Message):
    """Any subset of the stream settings; the upper bounds from Settings are applied later."""

    type: Literal["stream"]
    fps: int | None = Field(default=None, ge=1, le=240)
    speed: int | None = Field(default=None, ge=0, le=1_000_000)
    speed_unit: Literal["iteration", "epoch"] | None = None
    resolution: int | None = Field(default=None, ge=10, le=1024)
    thumbnail_resolution: int | None = Field(default=None, ge=8, le=64)


class FrameRequest(Message):
    type: Literal["frame"]


ClientMessage = Annotated[
    Play
    | Pause
    | Step
    | Reset
    | Update
    | SetWeight
    | SetBias
    | InspectStep
    | StreamUpdate
    | FrameRequest,
    Field(discriminator="type"),
]
MESSAGE_TYPES = ("play", "pause", "step", "reset", "update", "set_weight", "set_bias",
                 "inspect_step", "stream", "frame")  # fmt: skip
_ADAPTER: TypeAdapter[Any] = TypeAdapter(ClientMessage)


class BadMessage(Exception):
    """A message the server cannot act on; becomes an `error` message on the socket."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_message(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "error", "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def _describe(error: ValidationError) -> BadMessage:
    first = error.errors(include_url=False)[0]
    # loc is (tag, field, ...) for a known type; the tag itself is not a field.
    loc = [str(part) for part in first["loc"]]
    if loc and loc[0] in MESSAGE_TYPES:
        loc = loc[1:]
    field = ".".join(loc) or None
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        got = first.get("input", {}).get("type") if isinstance(first.get("input"), dict) else None
        return BadMessage(f"type: expected one of {', '.join(MESSAGE_TYPES)}, got {got!r}", "type")
    if first["type"] == "missing":
        return BadMessage(f"{field}: required, got nothing", field)
    if first["type"] == "extra_forbidden":
        return BadMessage(f"{field}: not a field of this message type", field)
    return BadMessage(f"{field or 'message'}: {_expected(first)}", field)


def _expected(error: Any) -> str:
    """ "expected …, got …" from one pydantic error."""
    message = str(error["msg"])
    shown = _shown(error.get("input"))
    if message.startswith("Input should be "):
        return f"expected {message.removeprefix('Input should be ')}, got {shown}"
    return f"{message[:1].lower()}{message[1:]}, got {shown}"


def _shown(value: Any) -> str:
    """The start of a value's JSON, for an error message; never raises (deep or odd input)."""
    try:
        return json.dumps(value)[:SHOWN_CHARACTERS]
    except (ValueError, TypeError, RecursionError):
        return f"a {type(value).__name__} nested too deeply to show"


def parse_message(text: str | None, max_length: int) -> Any:
    """One client message, validated; raises BadMessage saying what was expected.

    Whatever the text holds (nesting deeper than the parser's recursion limit included), the
    only exception meant to leave is BadMessage; the route still guards against any other.
    """
    if text is None:
        raise BadMessage("expected a text message holding a JSON object, got binary data")
    if len(text) > max_length:
        raise BadMessage(f"expected a message of at most {max_length} characters, got {len(text)}")
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadMessage(TOO_DEEP) from None
    except ValueError:
        raise BadMessage(f"expected a JSON object, got {text[:40]!r}") from None
    if not isinstance(data, dict):
        raise BadMessage(f"expected a JSON object with a 'type', got {type(data).__name__}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        raise _describe(error) from None
    except RecursionError:
        raise BadMessage(TOO_DEEP) from None


def config_changes(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate an `update`'s config with the PATCH schema; BadMessage names the field."""
    try:
        return ConfigUpdate.model_validate(raw).changes()
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        path = field_path(("config", *first["loc"]))
        if first["type"] == "value_error":  # the message already says "field: expected …"
            text = str(first["msg"]).removeprefix("Value error, ")
            reply = value_error_message(ValueError(text), "config.")
            raise BadMessage(reply["message"], reply.get("field")) from None
        if first["type"] == "extra_forbidden":
            raise BadMessage(f"{path}: not a config field", path) from None
        raise BadMessage(f"{path}: {_expected(first)}", path) from None
    except RecursionError:
        raise BadMessage(f"config: {TOO_DEEP}", "config") from None


def field_path(loc: tuple[str | int, ...] | list[str | int]) -> str:
    """("config", "hidden_layers", 2) -> "config.hidden_layers[2]"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def value_error_message(error: ValueError, prefix: str = "") -> dict[str, Any]:
    """An engine/service ValueError ("field: expected …, got …") as an error message."""
    text = str(error)
    field, sep, _ = text.partition(":")
    field = field.strip()
    if not (sep and field) or " " in field:
        return {"type": "error", "message": text}
    message = {"type": "error", "message": prefix + text, "field": prefix + field}
    rule = getattr(error, "rule", None)  # the room's teacher refused it (class_rules.py)
    return message if rule is None else {**message, "rule": rule}
