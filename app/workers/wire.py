"""Messages between the front and an engine worker: length-prefixed pickles on a Unix socket.

Both ends are processes of this one server, joined by a socket pair the front made, so
pickle is safe here; nothing read from a client or from disk is ever unpickled. A message
is a tuple whose first item names its kind (see ``pool`` and ``worker``).
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

HEADER = struct.Struct("!I")


def encode(message: tuple[Any, ...]) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


async def read(reader: asyncio.StreamReader) -> tuple[Any, ...]:
    """The next message; ``asyncio.IncompleteReadError`` when the other end has gone."""
    (length,) = HEADER.unpack(await reader.readexactly(HEADER.size))
    message: tuple[Any, ...] = pickle.loads(await reader.readexactly(length))
    return message


def portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling as itself, else a RuntimeError with its text."""
    try:
        copy = pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    if type(copy) is not type(error) or str(copy) != str(error):
        return RuntimeError(f"{type(error).__name__}: {error}")
    error.__traceback__ = None
    return error
