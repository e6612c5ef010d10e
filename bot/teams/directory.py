"""Microsoft 365 users by e-mail, through Microsoft Graph (``GET /users/{email}``), for the staff import.

msgraph-sdk is heavy and async-only: it is in the ``microsoft`` extra and imported here, when Graph is
configured (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET; app-only, permission User.Read.All).
GRAPH_BASE_URL and GRAPH_AUTHORITY point it elsewhere (tests, national clouds).
"""

import asyncio
from collections.abc import Iterable
from urllib.parse import urlparse

from bot.config import Settings
from bot.register.directory import DirectoryError

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def graph_lookup(settings: Settings, emails: Iterable[str]) -> dict[str, str | None]:
    """Microsoft Entra user ids (what Teams calls the AAD object id) by e-mail; None: no such user."""
    wanted = list(emails)
    if not wanted:
        return {}
    try:
        from azure.identity import ClientSecretCredential  # noqa: F401
        from msgraph import GraphServiceClient  # noqa: F401
    except ImportError:
        raise DirectoryError("Matching staff to Microsoft 365 users needs the Microsoft extra: "
                             "pip install 'sendbot[microsoft]'.") from None
    return asyncio.run(_lookup(settings, wanted))


async def _lookup(settings: Settings, emails: list[str]) -> dict[str, str | None]:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import ClientSecretCredential
    from kiota_abstractions.api_error import APIError
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core.authentication import AzureIdentityAuthenticationProvider

    assert settings.graph_tenant_id and settings.graph_client_id and settings.graph_client_secret
    # The synchronous credential: its HTTP goes through azure-core's requests transport, which honours the
    # machine's CA settings (REQUESTS_CA_BUNDLE) as the rest of the school's IT expects.
    credential = ClientSecretCredential(settings.graph_tenant_id, settings.graph_client_id,
                                        settings.graph_client_secret, authority=settings.graph_authority,
                                        disable_instance_discovery=True)
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE],
                                               allowed_hosts=[urlparse(settings.graph_base_url).hostname or ""])
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = settings.graph_base_url.rstrip("/")
    client = GraphServiceClient(request_adapter=adapter)
    out: dict[str, str | None] = {}
    try:
        for email in emails:
            try:
                user = await client.users.by_user_id(email).get()
                out[email] = user.id if user is not None else None
            except APIError as e:
                if e.response_status_code == 404:
                    out[email] = None
                elif e.response_status_code in (401, 403):
                    raise DirectoryError("Microsoft Graph refused the lookup: the app registration needs the "
                                         "User.Read.All application permission, with admin consent.") from None
                else:
                    raise DirectoryError(f"Microsoft Graph could not look up users (HTTP {e.response_status_code})."
                                         ) from None
    except ClientAuthenticationError:
        raise DirectoryError("Microsoft sign-in refused the app's credentials (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, "
                             "GRAPH_CLIENT_SECRET).") from None
    finally:
        credential.close()
    return out
