"""For the Teams end-to-end tests: Microsoft's sign-in and connector, faked on loopback, nothing patched.

- ``Keys``: an RS256 key made here, published as a JWKS, and tokens signed with it as the Bot Framework
  signs the requests Teams sends (issuer https://api.botframework.com, audience = the bot's app id).
- ``MicrosoftProxy``: the Agents SDK and MSAL fetch keys, OpenID configuration and tokens from hard-coded
  hosts (login.botframework.com, login.microsoftonline.com). ``sendbot run`` gets ``HTTPS_PROXY`` pointing
  here, an HTTPS CONNECT proxy that ends TLS with a certificate from a throw-away CA (``SSL_CERT_FILE`` and
  ``REQUESTS_CA_BUNDLE`` name it) and answers as those hosts would. So the production code path, proxy
  variables included, is what runs; anything else asked of it gets a 502 and is recorded.
- ``FakeConnector``: the Bot Connector service (the activity's ``serviceUrl``), recording what was posted.
"""

import base64
import datetime as dt
import http.server
import json
import socketserver
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from fake_service import LoopbackService

from bot.services import tenancy
from db.engine import transaction
from e2e.slack_support import free_port, make_school, wait_until

APP_ID = "00000000-0000-4000-8000-00000000a99b"
APP_PASSWORD = "not-a-real-secret"
TENANT = "11111111-2222-4333-8444-555555555555"
OTHER_TENANT = "99999999-2222-4333-8444-555555555555"
ADMIN_AAD = "aaaaaaaa-0000-4000-8000-000000000001"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"
HOSTS = ("login.botframework.com", "login.microsoftonline.com")


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


class Keys:
    """A signing key and its JWKS; ``token()`` makes a Bot Framework-style bearer token."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        numbers = self.private.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "alg": "RS256",
                               "n": _b64(numbers.n), "e": _b64(numbers.e), "endorsements": ["msteams"]}]}

    def token(self, *, audience: str = APP_ID, expires_in: int = 3600, service_url: str = "",
              key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": audience, "iat": now - 10, "nbf": now - 10, "exp": now + expires_in,
                   "serviceurl": service_url, **claims}
        return jwt.encode(payload, key or self.private, algorithm="RS256", headers={"kid": self.kid})


def _certificates(where: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA (its PEM is what SSL_CERT_FILE names) and a certificate it signs for Microsoft's hosts."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sendbot test CA (throw-away)")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTS[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in HOSTS]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = where / "ca.pem", where / "host.pem", where / "host-key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


class MicrosoftProxy:
    """An HTTPS CONNECT proxy on 127.0.0.1 that plays login.botframework.com and login.microsoftonline.com."""

    def __init__(self, where: Path, keys: Keys) -> None:
        self.keys = keys
        self.ca, cert, key = _certificates(where)
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(cert, key)
        self.requests: list[tuple[str, str, str]] = []  # (host, method, path)
        self.tokens_issued = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            host = ""

            def log_message(self, *args: Any) -> None:
                pass

            def do_CONNECT(self) -> None:
                host, _, port = self.path.partition(":")
                if host not in HOSTS or port != "443":
                    proxy.requests.append((host, "CONNECT", ""))
                    self.send_error(502, "not a Microsoft host this fake plays")
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                tunnel = proxy.tls.wrap_socket(self.connection, server_side=True)
                inner = type("Inner", (Handler,), {"host": host})
                inner(tunnel, self.client_address, self.server)
                self.close_connection = True

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?")[0]
                proxy.requests.append((self.host, method, path))
                body = proxy.answer(self.host, method, path)
                if body is None:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if not self.host:
                    self.send_error(502, "plain HTTP is not proxied")
                    return
                self._answer("GET")

            def do_POST(self) -> None:
                if not self.host:
                    self.send_error(502, "plain HTTP is not proxied")
                    return
                self._answer("POST")

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, host: str, method: str, path: str) -> dict[str, Any] | None:
        base = f"https://{host}"
        if path.endswith("/.well-known/keys") or path.endswith("/discovery/v2.0/keys") or path.endswith("/keys"):
            return self.keys.jwks
        if "openid" in path:  # OpenID configuration of either host
            tenant = path.strip("/").split("/")[0]
            return {"issuer": ISSUER if host == HOSTS[0] else f"https://login.microsoftonline.com/{tenant}/v2.0",
                    "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                    "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
                    "id_token_signing_alg_values_supported": ["RS256"]}
        if path.endswith("/discovery/instance"):
            return {"tenant_discovery_endpoint":
                    f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/openid-configuration",
                    "api-version": "1.1", "metadata": []}
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            self.tokens_issued += 1
            return {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                    "access_token": f"outbound-token-{self.tokens_issued}"}
        return None

    def start(self) -> "MicrosoftProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def env(self) -> dict[str, str]:
        """The standard variables a school's proxy would be set with (and our CA as the only one trusted)."""
        url = f"http://127.0.0.1:{self.port}"
        return {"HTTPS_PROXY": url, "https_proxy": url, "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost", "SSL_CERT_FILE": str(self.ca), "REQUESTS_CA_BUNDLE": str(self.ca)}


@dataclass
class Posted:
    conversation: str
    reply_to: str | None
    activity: dict[str, Any]
    authorization: str | None


@dataclass
class FakeConnector(LoopbackService):
    """The Bot Connector REST API (v3/conversations...) on 127.0.0.1, recording what the bot posts."""

    name = "fake Bot Connector"

    port: int = field(default_factory=free_port)
    posted: list[Posted] = field(default_factory=list)
    failing: list[int] = field(default_factory=list)  # statuses to answer the next posts with, in order

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_post("/v3/conversations", self._create)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def _post(self, request: web.Request) -> web.Response:
        if self.failing:
            status = self.failing.pop(0)
            return web.json_response({"error": {"code": "Throttled"}}, status=status, headers={"Retry-After": "1"})
        self.posted.append(Posted(request.match_info["cid"], request.match_info.get("aid"), await request.json(),
                                  request.headers.get("Authorization")))
        return web.json_response({"id": f"activity-{len(self.posted)}"})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = (body.get("members") or [{}])[0].get("id", "x")
        return web.json_response({"id": f"a:personal-{member}", "activityId": None})

    def wait_for(self, count: int = 1, timeout: float = 30) -> list[Posted]:
        wait_until(lambda: len(self.posted) >= count, timeout)
        return self.posted


def message(service_url: str, text: str, *, conversation_type: str = "personal", tenant: str = TENANT,
            user: str = ADMIN_AAD, value: dict[str, Any] | None = None,
            entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message activity as Teams sends one."""
    activity: dict[str, Any] = {
        "type": "message", "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "from": {"id": f"29:{user}", "name": "Alice", "aadObjectId": user},
        "recipient": {"id": BOT_ID, "name": "sendbot"},
        "conversation": {"id": f"a:conv-{user}", "conversationType": conversation_type, "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}},
        "text": text, "entities": entities or [],
    }
    if value is not None:
        activity["value"] = value
    return activity


def card_text(activity: dict[str, Any]) -> str:
    """Every TextBlock, fact and button of the activity's Adaptive Card, as one string."""
    return json.dumps(activity.get("attachments"), ensure_ascii=False).replace("\\\\", "")


@dataclass
class FakeGraph(LoopbackService):
    """Microsoft Graph's calendar events and sendMail for users/{mailbox}, on 127.0.0.1 (GRAPH_BASE_URL)."""

    name = "fake Graph"

    port: int = field(default_factory=free_port)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the event as last written
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, authorization)
    mails: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # Entra object id -> e-mail address
    mail_failures: list[int] = field(default_factory=list)  # statuses to answer sendMail with first (503: busy)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1.0/users/{mailbox}/events", self._create)
        app.router.add_patch("/v1.0/users/{mailbox}/events/{eid}", self._update)
        app.router.add_delete("/v1.0/users/{mailbox}/events/{eid}", self._delete)
        app.router.add_post("/v1.0/users/{mailbox}/sendMail", self._mail)
        app.router.add_get("/v1.0/users/{user}", self._user)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1.0"

    def _record(self, request: web.Request) -> None:
        self.calls.append((request.method, request.path, request.headers.get("Authorization")))

    async def _create(self, request: web.Request) -> web.Response:
        self._record(request)
        event = await request.json()
        event["id"] = f"AAMk-{uuid.uuid4().hex}"
        self.events[event["id"]] = event
        return web.json_response(event, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        self._record(request)
        eid = request.match_info["eid"]
        if eid not in self.events:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        self.events[eid].update(await request.json())
        return web.json_response(self.events[eid])

    async def _delete(self, request: web.Request) -> web.Response:
        self._record(request)
        if self.events.pop(request.match_info["eid"], None) is None:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        return web.Response(status=204)

    async def _user(self, request: web.Request) -> web.Response:
        self._record(request)
        user = request.match_info["user"]
        if user not in self.users:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}}, status=404)
        return web.json_response({"id": user, "mail": self.users[user], "userPrincipalName": self.users[user]})

    async def _mail(self, request: web.Request) -> web.Response:
        self._record(request)
        if self.mail_failures:
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=self.mail_failures.pop(0),
                                     headers={"Retry-After": "1"})
        self.mails.append(await request.json())
        return web.Response(status=202)


def teams_school(engine: Any, tenant: str = TENANT) -> int:
    """Oak Primary, admin = ADMIN_AAD, with the tenant linked to it (as ``sendbot link teams <tenant>`` does)."""
    school_id = make_school(engine, admin=ADMIN_AAD)
    with transaction(engine) as session:
        tenancy.link_workspace(session, "teams", tenant, school_id)
    return school_id
