"""Headless Chromium driven through the DevTools protocol over a websocket.

The browser is Debian's ``chromium`` package. It listens for the protocol on a port it
picks on 127.0.0.1 and writes that port to ``DevToolsActivePort`` in its profile
directory. Each page gets its own target and a flattened session, so that commands and
events of the page carry the page's session id.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import typing as t
from pathlib import Path

import websocket

# Flags that keep Chromium from contacting any other host on its own and from needing a
# sandbox or a GPU, which a root shell in a container does not give it.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

START_TIMEOUT_SECONDS = 30.0
COMMAND_TIMEOUT_SECONDS = 30.0


class BrowserError(RuntimeError):
    """Chromium failed to start, or a DevTools command failed or timed out."""


class Event(t.NamedTuple):
    session_id: str | None
    method: str
    params: dict[str, t.Any]


def find_chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise BrowserError("chromium was not found on PATH: install Debian's chromium package (scripts/setup.sh does)")
    return path


class Browser:
    """One Chromium process with a new, empty profile directory."""

    def __init__(self, profile_dir: Path, log_file: Path) -> None:
        profile_dir.mkdir(parents=True)
        command = [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "--remote-debugging-port=0"]
        command.append("about:blank")
        self.log_file = log_file
        with open(log_file, "ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.events: list[Event] = []
        self._next_id = 0
        try:
            port, path = self._wait_for_port(profile_dir / "DevToolsActivePort")
            # Chromium rejects websocket clients that send an Origin it does not allow.
            self.socket = websocket.create_connection(
                f"ws://127.0.0.1:{port}{path}", timeout=COMMAND_TIMEOUT_SECONDS, suppress_origin=True
            )
        except BaseException:
            self._stop_process()
            raise

    def _wait_for_port(self, port_file: Path) -> tuple[int, str]:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"chromium exited with status {self.process.returncode}; see {self.log_file}")
            lines = port_file.read_text().splitlines() if port_file.exists() else []
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
            time.sleep(0.05)
        raise BrowserError(f"chromium wrote no {port_file.name} within {START_TIMEOUT_SECONDS:g} seconds; see {self.log_file}")

    def send(self, method: str, params: dict[str, t.Any] | None = None, *, session_id: str | None = None) -> dict[str, t.Any]:
        """Send a command and return its result; events that arrive meanwhile are stored."""
        self._next_id += 1
        message: dict[str, t.Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})

    def wait_for_event(self, method: str, session_id: str, *, after: int = 0) -> Event:
        """Return the first event of this method and session from index ``after`` on."""
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            for event in self.events[after:]:
                if event.method == method and event.session_id == session_id:
                    return event
            self._receive(deadline, method)

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, t.Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError(f"timed out after {COMMAND_TIMEOUT_SECONDS:g} seconds waiting for {waiting_for}")
        self.socket.settimeout(remaining)
        try:
            reply = json.loads(self.socket.recv())
        except websocket.WebSocketTimeoutException as exc:
            raise BrowserError(f"timed out after {COMMAND_TIMEOUT_SECONDS:g} seconds waiting for {waiting_for}") from exc
        if "method" in reply:
            self.events.append(Event(reply.get("sessionId"), reply["method"], reply.get("params", {})))
        return reply

    def open_page(self) -> Page:
        target_id = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session_id = self.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        return Page(self, session_id)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (BrowserError, OSError, websocket.WebSocketException):
            pass
        finally:
            self.socket.close()
            self._stop_process()

    def _stop_process(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class Page:
    """A page target with the Network, Page, Runtime and Log domains enabled."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self.browser = browser
        self.session_id = session_id
        for domain in ("Network", "Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, params: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        return self.browser.send(method, params, session_id=self.session_id)

    def events(self, method: str) -> list[Event]:
        return [event for event in self.browser.events if event.session_id == self.session_id and event.method == method]

    def navigate(self, url: str) -> None:
        """Load ``url`` and return after its load event."""
        start = len(self.browser.events)
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"loading {url} failed: {result['errorText']}")
        self.browser.wait_for_event("Page.loadEventFired", self.session_id, after=start)

    def evaluate(self, expression: str) -> t.Any:
        """Return the JSON value of a JavaScript expression evaluated in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluating {expression!r} raised {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Click the middle of the first element that matches the CSS selector, as a mouse would."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        for event_type in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": event_type, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1}
            if event_type == "mouseMoved":
                params = {"type": event_type, "x": box["x"], "y": box["y"]}
            self.send("Input.dispatchMouseEvent", params)

    def requested_urls(self) -> list[str]:
        """Return the URL of every request the page made, in order, whether it succeeded or not."""
        return [event.params["request"]["url"] for event in self.events("Network.requestWillBeSent")]
