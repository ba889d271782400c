"""Real servers on loopback for the alert tests: an SMTP server (aiosmtpd) and a JSON webhook.

Both record what they receive; both can be stopped and started again on the same port to
play an outage between two runs of the weekly job.
"""
from __future__ import annotations

import email
import email.policy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import free_port


class _Mailbox:
    """aiosmtpd handler keeping each accepted message, parsed."""

    def __init__(self, messages: list):
        self.messages = messages

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Plain SMTP (no TLS) with required login, like a small relay; ``messages`` are ``EmailMessage``."""

    def __init__(self, user: str = "veille", password: str = "s3cret"):
        self.user, self.password = user, password
        self.port = free_port()
        self.messages: list = []
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user.encode()
              and auth_data.password == self.password.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself

    def start(self) -> SmtpServer:
        """Listen on ``port`` (again, after ``stop``); a no-op when already listening."""
        if self._controller:
            return self
        self._controller = Controller(
            _Mailbox(self.messages), hostname="127.0.0.1", port=self.port,
            authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    def url(self, to: str, password: str | None = None) -> str:
        """The apprise URL sending to ``to`` through this server (plain SMTP: mode=insecure)."""
        return (f"mailto://{self.user}:{password or self.password}@127.0.0.1:{self.port}"
                f"?from=veille@example.org&to={to}&mode=insecure&cto=2")


class WebhookServer:
    """HTTP server recording the JSON body of every POST (apprise's json:// service)."""

    def __init__(self):
        self.port = free_port()
        self.posts: list[dict] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> WebhookServer:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                posts.append({"path": self.path, "json": json.loads(self.rfile.read(length) or b"null")})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep pytest output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook?cto=2&rto=5"
