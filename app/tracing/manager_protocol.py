"""What a traced manager's two sides agree on: the keywords a traced request carries, the
notice the server sends before a call blocks, and the types a ``Manager()`` serves.

Kept apart from both sides so the caller's module (``managers``) and the server's
(``manager_server``) import it and not each other.
"""

from __future__ import annotations

from multiprocessing import connection
from typing import Any

from app.tracing.values import describe

MSG = "_mps_msg"  # the keyword a traced call carries: (message id, calling process)
NAME = "_mps_name"  # the name the caller proposes for an object it creates
SERVER = "_mps_server"  # the pid of the manager's server process, where it is known
WAIT = "#MPS_WAIT"  # the server's notice that a call is about to block
# The handshake's "no" (named _FAILURE from Python 3.12 on).
FAILURE: bytes = getattr(connection, "FAILURE", None) or connection._FAILURE  # type: ignore[attr-defined]

# The types a Manager() serves traced; any other type was registered by the program, and
# creating one is shown as a call that makes an object.
BUILTIN_TYPES = frozenset({"list", "dict", "Namespace", "Value", "Array", "Queue", "Lock", "Event"})


def describe_args(args: tuple[Any, ...]) -> list[Any]:
    return [describe(a)[0] for a in args]


def shown_address(address: Any) -> str:
    """An address as a person writes it: ``host:port``, or a socket's path."""
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    if isinstance(address, bytes):
        return repr(address)
    return str(address)
