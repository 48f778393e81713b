"""A link that can really be cut: a TCP proxy on loopback between the browser and a server.

Chrome DevTools' offline emulation (`Network.emulateNetworkConditions` with `offline: true`) fails new
requests, but an upload already under way is not cut: chromium flushes the rest of its body at full
speed and the request succeeds. A phone losing its signal loses what was in flight. `CuttableLink.cut()`
resets every open connection and refuses new ones until `restore()`; it also counts the bytes the
browser sent through it (`sent`), what a metered mobile link would bill.

Used by the browser tests and bench/resumable_uploads.py, together with the DevTools emulation (for
the throttled speed and `navigator.onLine`).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class CuttableLink:
    def __init__(self, target_port: int, *, port: int = 0, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.up = True
        self.sent = 0  # bytes from the browser to the server
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                if self.closed:
                    return
                continue  # a browser that gave up before it was accepted
            if not self.up:
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=10)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self.lock:
                self.open.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upstream:
                    with self.lock:
                        self.sent += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self.lock:
                    self.open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self) -> None:
        """Every connection reset now (what was in flight is lost), new ones refused."""
        self.up = False
        with self.lock:
            sockets = list(self.open)
            self.open.clear()
        for sock in sockets:
            _reset(sock)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        sock.close()
    except OSError:
        pass
