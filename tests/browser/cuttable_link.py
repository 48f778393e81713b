"""A link that can really be cut: a TCP proxy on loopback between the browser and a server.

Chrome DevTools' offline emulation (`Network.emulateNetworkConditions` with `offline: true`) fails new
requests, but an upload already under way is not cut: chromium flushes the rest of its body at full
speed and the request succeeds. A phone losing its signal loses what was in flight. `CuttableLink.cut()`
resets every open connection and refuses new ones until `restore()`; it also counts the bytes the
browser sent through it (`sent`), what a metered mobile link would bill.

Two cuts at a chosen moment, for the tests (no timing: the proxy itself cuts when the bytes pass):
`cut_mid_request(marker, after)` cuts in the middle of the next request whose head starts with
`marker` (the server gets its first `after` bytes and never the rest), and `lose_answer_to(marker)`
lets such a request through whole and cuts the link when the server answers it (the server did the
work, the browser never hears of it). Each returns a `threading.Event` set once it has cut.

Used by the browser tests (tests/browser/test_upload_offline.py) and bench/resumable_uploads.py,
together with the DevTools emulation (for the throttled speed and `navigator.onLine`).
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
        self.cuts = 0  # every cut, asked for or armed
        self._mid: tuple[bytes, int, threading.Event] | None = None
        self._watched: dict[socket.socket, int] = {}  # bytes of the marked request gone through
        self._answer: tuple[bytes, threading.Event] | None = None
        self._unanswered: set[socket.socket] = set()  # browser sides whose next answer is lost
        self._answer_cut: threading.Event | None = None
        self._awaited: list[tuple[bytes, threading.Event]] = []
        self._answering: dict[socket.socket, threading.Event] = {}  # browser side -> answer awaited
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
                cut = None
                with self.lock:
                    if upstream:
                        data, cut = self._upstream(source, data)
                        self.sent += len(data)
                    elif sink in self._unanswered:
                        self._unanswered.discard(sink)
                        data, cut = b"", self._answer_cut
                    answered = None if upstream else self._answering.pop(sink, None)
                sink.sendall(data)
                if answered is not None:
                    answered.set()
                if cut is not None:
                    self.cut()
                    cut.set()
                    break
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self.lock:
                    self.open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _upstream(self, source: socket.socket, data: bytes) -> tuple[bytes, threading.Event | None]:
        """What of `data` goes through, and the event of an armed cut that it triggers (under the lock)."""
        if self._answer is not None and self._answer[0] in data:
            self._answer_cut = self._answer[1]
            self._answer = None
            self._unanswered.add(source)
        for awaited in list(self._awaited):
            if awaited[0] in data:
                self._awaited.remove(awaited)
                self._answering[source] = awaited[1]
        if self._mid is None:
            return data, None
        marker, after, event = self._mid
        seen = self._watched.get(source)
        if seen is None:
            at = data.find(marker)
            if at == -1:
                return data, None
            seen, data_from = 0, at
        else:
            data_from = 0
        seen += len(data) - data_from
        if seen < after:
            self._watched[source] = seen
            return data, None
        self._mid = None
        self._watched.clear()
        return data[: len(data) - (seen - after)], event

    def cut_mid_request(self, marker: bytes = b"PUT ", after: int = 16 * 1024) -> threading.Event:
        """Arms a cut in the middle of the next request starting with `marker`: its first `after` bytes
        (head included) reach the server, then every connection is reset and new ones refused."""
        event = threading.Event()
        with self.lock:
            self._mid = (marker, after, event)
            self._watched.clear()
        return event

    def lose_answer_to(self, marker: bytes) -> threading.Event:
        """Arms a cut at the answer to the next request starting with `marker`: the request reaches the
        server whole, its answer never reaches the browser (every connection reset, new ones refused)."""
        event = threading.Event()
        with self.lock:
            self._answer = (marker, event)
        return event

    def answered(self, marker: bytes) -> threading.Event:
        """An event set once the server's answer to the next request starting with `marker` has begun
        to reach the browser."""
        event = threading.Event()
        with self.lock:
            self._awaited.append((marker, event))
        return event

    def cut(self) -> None:
        """Every connection reset now (what was in flight is lost), new ones refused."""
        self.up = False
        self.cuts += 1
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
        # Wakes its pump blocked in recv() (nothing is sent), so that the close really happens now: a
        # socket closed while another thread waits on it stays open until that thread returns.
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    sock.close()
