"""The minor servos' HTTP interface (the V-Brain PLC's JSON command export), over ``http.server``.

Two GET paths reset the PLC: ``/Exporting/json/ExecuteCommand?name=INAF_SRT_OR7_EMG_RESET_CMD``
(emergency) and ``...?name=INAF_SRT_OR7_RESET_CMD`` (alarms); both answer 200 with
``{"Message": "OUTPUT:GOOD", "Status": "Good"}``. Any other path answers 404.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


class VBrainRequestHandler(BaseHTTPRequestHandler):
    """Answers the two reset commands; nothing else."""

    emergency = "INAF_SRT_OR7_EMG_RESET_CMD"
    alarm = "INAF_SRT_OR7_RESET_CMD"
    baseurl = "/Exporting/json/ExecuteCommand?name"
    urls = [f"{baseurl}={emergency}", f"{baseurl}={alarm}"]
    answer = {"Message": "OUTPUT:GOOD", "Status": "Good"}

    def do_GET(self) -> None:
        try:
            if self.path not in self.urls:
                self.send_response(404)
                self.end_headers()
                return
            body = json.dumps(self.answer).encode()
            self.send_response(200)
            self.send_header("Content-type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RestInterface:
    """The HTTP server in its own thread; ``address`` is the bound one (port 0 picks a free port)."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.httpserver = HTTPServer(address, VBrainRequestHandler)
        self.address: tuple[str, int] = self.httpserver.server_address[:2]  # type: ignore[assignment]
        self._thread = threading.Thread(
            target=self.httpserver.serve_forever, kwargs={"poll_interval": 0.1}, name="minor-servos-http", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.httpserver.shutdown()
        self.httpserver.server_close()
        self._thread.join(timeout)
