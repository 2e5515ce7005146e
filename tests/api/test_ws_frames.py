"""The front's own framing of a stream frame's two messages (``ws_protocol.data_frame``):
what a WebSocket library reads from those bytes is exactly what was sent."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from app.api.ws_protocol import data_frame


def parsed(data: bytes, count: int) -> tuple[list[Frame], int]:
    """The first ``count`` frames in ``data`` and how many bytes were left after them."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = []
    for _ in range(count):
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            while True:
                next(parser)
        except StopIteration as done:
            frames.append(done.value)
    return frames, len(reader.buffer)


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_a_text_and_a_binary_message_of_any_length_read_back_as_sent(length: int) -> None:
    text = "가" * (length // 3) + "x" * (length % 3)  # three UTF-8 bytes per syllable
    binary = bytes(range(256)) * (length // 256) + bytes(length % 256)
    frames, left = parsed(b"".join([*data_frame(text), *data_frame(binary)]), 2)
    assert left == 0
    assert [(frame.opcode, frame.fin, frame.rsv1) for frame in frames] == [
        (Opcode.TEXT, True, False),
        (Opcode.BINARY, True, False),
    ]
    assert frames[0].data.decode() == text
    assert frames[1].data == binary
