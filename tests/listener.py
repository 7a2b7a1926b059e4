"""A TCP server on loopback that records who connects: what must never be fetched."""

from __future__ import annotations

import socket
import threading


class Listener:
    """A TCP server on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.peers: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, peer = self.server.accept()
            except TimeoutError:
                continue
            self.peers.append(peer)
            connection.close()

    def close(self) -> list:
        """Stop, count the connections still waiting in the backlog, return them all."""
        if self._stop.is_set():
            return self.peers
        self._stop.set()
        self._thread.join()
        self.server.setblocking(False)
        while True:
            try:
                connection, peer = self.server.accept()
            except BlockingIOError:
                break
            self.peers.append(peer)
            connection.close()
        self.server.close()
        return self.peers
