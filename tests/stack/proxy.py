"""A TCP fault proxy: sits between the stack's processes and one service (PostgreSQL, Redis, S3) so a
test can break that service for the stack alone, never for the machine's server the rest of the suite
uses.

Modes:
- `pass`: bytes are forwarded both ways;
- `refuse`: the port stops listening (connecting is refused) and every open connection is closed, as
  when the service is stopped;
- `hang`: connections are accepted (and open ones kept) but nothing is forwarded any more, as when the
  service is stuck.

Threads only (one acceptor, two pumps per connection); usable outside pytest (bench/load_stack.py).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

PASS, REFUSE, HANG = "pass", "refuse", "hang"


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.mode = PASS
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self.port = port
        self._listen()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True, name=f"proxy-{self.port}")
        self._acceptor.start()

    # --- control -----------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_mode(self, mode: str) -> None:
        if mode not in (PASS, REFUSE, HANG):
            raise ValueError(mode)
        with self._lock:
            previous, self.mode = self.mode, mode
        if mode == REFUSE:
            self._close_listener()
            self._close_connections()
        elif previous == REFUSE:
            self._listen()
        if mode == PASS and previous == HANG:
            # Connections held while hanging carry half-sent requests: close them, clients reconnect.
            self._close_connections()

    def close(self) -> None:
        self._stopped.set()
        self._close_listener()
        self._close_connections()
        self._acceptor.join(timeout=2)

    # --- internals ---------------------------------------------------------------------------------

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(256)
        self.port = sock.getsockname()[1]
        with self._lock:
            self._listener = sock

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _close_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                self._stopped.wait(0.05)
                continue
            try:
                readable, _, _ = select.select([listener], [], [], 0.1)
                if not readable:
                    continue
                client, _addr = listener.accept()
            except (OSError, ValueError):
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            self._connections.add(client)
            mode = self.mode
        if mode == HANG:
            return  # held open, never answered (closed when the mode changes or the proxy closes)
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError:
            self._drop(client)
            return
        with self._lock:
            self._connections.add(upstream)
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while not self._stopped.is_set():
                readable, _, _ = select.select([source], [], [], 0.2)
                if self.mode == HANG:
                    continue  # stuck: read nothing, forward nothing
                if not readable:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except (OSError, ValueError):
            pass
        self._drop(source)
        self._drop(target)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
