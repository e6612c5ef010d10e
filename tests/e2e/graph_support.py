"""A fake Microsoft identity platform and Microsoft Graph, on loopback, for the staff directory lookup.

Sign-in (the OAuth 2.0 client-credentials token endpoint and its OpenID discovery document) is served over TLS
with a throw-away self-signed certificate, as azure-identity accepts only https authorities; the test points
REQUESTS_CA_BUNDLE at that certificate. Graph (``GET /v1.0/users/{id | userPrincipalName}``) is plain http on
127.0.0.1, which the Kiota client allows for loopback. Every request is recorded.
"""

import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_service import LoopbackService

from e2e.slack_support import free_port

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "fake-graph-secret"
TOKEN = "fake-graph-access-token"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written to ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "fake-login.pem", directory / "fake-login.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class FakeGraph(LoopbackService):
    """Entra ID's sign-in (HTTPS, as MSAL insists) and Graph's user lookup, on 127.0.0.1."""

    directory: Path
    users: dict[str, str] = field(default_factory=dict)  # e-mail (userPrincipalName) -> user id
    login_port: int = field(default_factory=free_port)
    graph_port: int = field(default_factory=free_port)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (method, path, headers/form)
    forbidden: bool = False

    name = "fake Graph"

    def start(self) -> "FakeGraph":
        self.cert, key = self_signed(self.directory)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(self.cert, key)
        return super().start()

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/users/{user}", self._user)

    def listen(self) -> list[tuple[int, ssl.SSLContext | None]]:
        return [(self.login_port, self._tls), (self.graph_port, None)]

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.login_port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.graph_port}/v1.0"

    def env(self) -> dict[str, str]:
        return {"GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT_ID, "GRAPH_CLIENT_SECRET": CLIENT_SECRET,
                "GRAPH_AUTHORITY": self.authority, "GRAPH_BASE_URL": self.base_url,
                "REQUESTS_CA_BUNDLE": str(self.cert)}

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        self.requests.append(("GET", request.path, {}))
        base = f"{self.authority}/{tenant}"
        return web.json_response({
            "token_endpoint": f"{base}/oauth2/v2.0/token", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{base}/v2.0", "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode"})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append(("POST", request.path, form))
        if form.get("client_secret") != CLIENT_SECRET or form.get("client_id") != CLIENT_ID:
            return web.json_response({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid "
                                      "client secret provided."}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN})

    async def _user(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", request.path, {"authorization": request.headers.get("Authorization", "")}))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken", "message": "no token"}},
                                     status=401)
        if self.forbidden:
            return web.json_response({"error": {"code": "Authorization_RequestDenied",
                                                "message": "Insufficient privileges."}}, status=403)
        user = request.match_info["user"].lower()
        if user not in self.users:
            return web.json_response({"error": {"code": "Request_ResourceNotFound",
                                                "message": f"Resource '{user}' does not exist."}}, status=404)
        return web.json_response({"@odata.context": f"{self.base_url}/$metadata#users/$entity",
                                  "id": self.users[user], "userPrincipalName": user, "mail": user})
