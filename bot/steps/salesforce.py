"""Read-only checks of steps 6 and 7 in the org's own Salesforce, over the Tooling API.

Step 6: the Marketo Sales Insight package (namespace `mkto_si`) is installed, and is recent enough (1.8000)
for the "Marketo App Access" permission set. Step 7: active Remote Site Settings exist for the two Adobe
endpoints MSI Actions calls.

The client authenticates with the OAuth client-credentials flow against the configured My Domain URL.
Security rules, each enforced here rather than left to callers:
- the client id and secret are sent only in the body of the token POST, only to the configured URL;
- the access token is sent only to the configured URL or to an `instance_url` that passes
  `accepted_instance_url` (https on a Salesforce-owned domain), never after a redirect;
- no exception text, repr or log line carries the secret or the token; errors carry a message key and
  harmless parameters (host, HTTP status, Salesforce's own error description with secrets scrubbed).

Nothing here knows about Slack or the database: results are message keys with parameters, rendered
elsewhere from the catalog.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

PACKAGE_NAMESPACE = "mkto_si"
# The "Marketo App Access" permission set ships with package 1.8000 (DOMAIN.md, source P).
PERMISSION_SET_MINIMUM = (1, 8000)
REQUIRED_REMOTE_SITES = ("https://ims-na1.adobelogin.com", "https://mkto-sales-connect.adobe.io")

PACKAGE_SOQL = (
    "SELECT SubscriberPackage.NamespacePrefix, SubscriberPackage.Name, "
    "SubscriberPackageVersion.MajorVersion, SubscriberPackageVersion.MinorVersion, "
    "SubscriberPackageVersion.PatchVersion, SubscriberPackageVersion.BuildNumber "
    "FROM InstalledSubscriberPackage"
)
REMOTE_SITES_SOQL = "SELECT SiteName, EndpointUrl, IsActive FROM RemoteProxy"

# Domains Salesforce serves orgs from: commercial (my.salesforce.com, sandbox.my.salesforce.com, the
# legacy na1.salesforce.com pods), Sites/Experience Cloud and Visualforce (force.com), the old
# cloudforce.com My Domains, and Government Cloud Plus (salesforce.mil). An instance_url anywhere else is
# not Salesforce, and we would be handing it our access token.
INSTANCE_HOST_SUFFIXES = (".salesforce.com", ".force.com", ".cloudforce.com", ".salesforce.mil")
# Plain http is accepted only for the local fake the tests run; a real org is always https.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

# Client-credentials token responses usually carry no expires_in: the token lives as long as the org's
# session timeout, whose shortest setting is 15 minutes. Caching for that long means a token is rarely
# used after it died, and when it is, the INVALID_SESSION_ID retry recovers.
DEFAULT_TOKEN_LIFETIME = 15 * 60.0
# When expires_in is given, stop using the token a little early so a request never races its expiry.
EXPIRY_MARGIN = 60.0
# A runaway nextRecordsUrl chain must not loop forever; both queries return a handful of rows.
MAX_PAGES = 50
MAX_DESCRIPTION_LENGTH = 300

_API_VERSION = re.compile(r"^v\d{2,3}\.0$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


class SalesforceError(Exception):
    """A failure to talk to Salesforce, as a catalog key and parameters that are safe to show and log."""

    def __init__(self, key: str, params: Mapping[str, str | int] | None = None) -> None:
        self.key = key
        self.params: dict[str, str | int] = dict(params or {})
        super().__init__(key)

    def __str__(self) -> str:
        if not self.params:
            return self.key
        return f"{self.key} {self.params}"

    def __repr__(self) -> str:
        return f"SalesforceError({self.key!r}, {self.params!r})"


@dataclass(frozen=True)
class OrgCredentials:
    url: str
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class Check:
    name_key: str
    passed: bool
    key: str
    params: dict[str, str] = field(default_factory=dict)
    # A failed check with warning=True is advice, not a blocker: the step still counts as passed.
    warning: bool = False


@dataclass(frozen=True)
class CheckResult:
    step: int
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """True when every check passed or failed only with a warning."""
        return all(check.passed or check.warning for check in self.checks)

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if not check.passed and check.warning]


class ToolingQuery(Protocol):
    def tooling_query(self, soql: str) -> list[dict[str, Any]]: ...


# ---------------------------------------------------------------- URLs


def validate_org_url(url: str) -> str:
    """The org URL reduced to `scheme://host[:port]`, or SalesforceError("salesforce.invalid_url").

    The URL itself is never put in the error: a pasted URL may carry user:password@.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SalesforceError("salesforce.invalid_url") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if (
        not host
        or parts.username is not None
        or parts.password is not None
        or parts.query
        or parts.fragment
        or parts.path not in ("", "/")
    ):
        raise SalesforceError("salesforce.invalid_url")
    if scheme != "https" and not (scheme == "http" and host in LOCAL_HOSTS):
        raise SalesforceError("salesforce.invalid_url")
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def accepted_instance_url(instance_url: object, configured: str) -> str | None:
    """The token response's instance_url if we may send the access token there, else None.

    Accepted: exactly the configured origin, or https on a Salesforce domain (INSTANCE_HOST_SUFFIXES)
    on the default port. `configured` is the output of validate_org_url.
    """
    if not isinstance(instance_url, str):
        return None
    try:
        normalized = validate_org_url(instance_url)
    except SalesforceError:
        return None
    if normalized == configured:
        return configured
    parts = urlsplit(normalized)
    if parts.scheme != "https" or parts.port not in (None, 443):
        return None
    host = parts.hostname or ""
    if host.endswith(INSTANCE_HOST_SUFFIXES):
        return f"https://{host}"
    return None


# ---------------------------------------------------------------- the client


@dataclass
class _Token:
    access_token: str = field(repr=False)
    base_url: str
    expires_at: float


class SalesforceClient:
    """Tooling API queries for one org, with the access token cached until it expires.

    Thread-safe: one lock guards the cached token, so concurrent callers share a single token request.
    """

    def __init__(
        self,
        credentials: OrgCredentials,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        api_version: str = "v61.0",
    ) -> None:
        if not _API_VERSION.match(api_version):
            raise ValueError(f"api_version must look like v61.0, not {api_version!r}")
        self._base_url = validate_org_url(credentials.url)
        self._host = urlsplit(self._base_url).netloc
        self._credentials = credentials
        self._owns_http = http is None
        # No redirects, ever: a redirected token POST would carry the secret to wherever it points.
        self._http = http or httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False)
        self._clock = clock
        self._api_version = api_version
        self._lock = threading.Lock()
        self._token: _Token | None = None

    @classmethod
    def for_org(
        cls,
        url: str,
        client_id: str,
        client_secret: str,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        api_version: str = "v61.0",
    ) -> SalesforceClient:
        return cls(
            OrgCredentials(url, client_id, client_secret), http=http, clock=clock, api_version=api_version
        )

    def __repr__(self) -> str:
        return f"SalesforceClient(host={self._host!r})"

    @property
    def host(self) -> str:
        return self._host

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ queries

    def tooling_query(self, soql: str) -> list[dict[str, Any]]:
        """All records of a Tooling API query, following nextRecordsUrl until done.

        A 401 INVALID_SESSION_ID (the token died before we expected) gets exactly one retry with a fresh
        token; a second one is reported as salesforce.session_expired.
        """
        for attempt in range(2):
            token = self._current_token()
            records = self._query_pages(token, soql)
            if records is not None:
                return records
            self._drop_token(token)
            logger.info("Salesforce at %s rejected the session (attempt %d)", self._host, attempt + 1)
        raise SalesforceError("salesforce.session_expired", {"host": self._host})

    def _query_pages(self, token: _Token, soql: str) -> list[dict[str, Any]] | None:
        """The records, or None when Salesforce says the session is invalid."""
        url = f"{token.base_url}/services/data/{self._api_version}/tooling/query/"
        params: dict[str, str] | None = {"q": soql}
        headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"}
        records: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            response = self._send("GET", url, params=params, headers=headers)
            status = response.status_code
            if status == 401 and _error_code(response) == "INVALID_SESSION_ID":
                return None
            if status == 403 and _error_code(response) == "REQUEST_LIMIT_EXCEEDED":
                logger.warning("Salesforce at %s: API request limit exceeded", self._host)
                raise SalesforceError("salesforce.request_limit", {"host": self._host})
            body = _json(response)
            if status != 200 or not isinstance(body, dict) or not isinstance(body.get("records"), list):
                raise self._unexpected(status)
            records.extend(record for record in body["records"] if isinstance(record, dict))
            if body.get("done", True) is not False:
                return records
            next_url = self._next_page_url(body.get("nextRecordsUrl"), token.base_url)
            if next_url is None:
                raise self._unexpected(status)
            url, params = next_url, None
        logger.warning("Salesforce at %s: query still not done after %d pages", self._host, MAX_PAGES)
        raise self._unexpected(200)

    def _next_page_url(self, next_records_url: object, base_url: str) -> str | None:
        """Where the next page is, only if it stays on the host that already has our token."""
        if not isinstance(next_records_url, str):
            return None
        if next_records_url.startswith("/") and not next_records_url.startswith("//"):
            path = next_records_url
        else:
            parts = urlsplit(next_records_url)
            try:
                same_origin = validate_org_url(f"{parts.scheme}://{parts.netloc}") == base_url
            except SalesforceError:
                same_origin = False
            if not same_origin:
                logger.warning("Salesforce at %s: ignored a nextRecordsUrl on another host", self._host)
                return None
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/services/data/"):
            return None
        return base_url + path

    # ------------------------------------------------------------ the token

    def check_credentials(self) -> None:
        """Ask the org for a fresh access token; raises SalesforceError saying what is wrong (`doctor`)."""
        with self._lock:
            self._token = self._fetch_token()

    def _current_token(self) -> _Token:
        with self._lock:
            if self._token is None or self._clock() >= self._token.expires_at:
                self._token = self._fetch_token()
            return self._token

    def _drop_token(self, token: _Token) -> None:
        with self._lock:
            # Another thread may already have replaced it; keep the newer one.
            if self._token is token:
                self._token = None

    def _fetch_token(self) -> _Token:
        # The credentials go in the form body: httpx logs URLs (INFO) and never bodies.
        response = self._send(
            "POST",
            f"{self._base_url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            },
            headers={"Accept": "application/json"},
        )
        status = response.status_code
        body = _json(response)
        if not isinstance(body, dict):
            raise self._unexpected(status)
        access_token = body.get("access_token")
        if status == 200 and isinstance(access_token, str) and access_token:
            base_url = accepted_instance_url(body.get("instance_url"), self._base_url)
            if base_url is None:
                # Only the host, which is not secret, and only as a hint for whoever reads the logs.
                rejected = body.get("instance_url")
                rejected_host = urlsplit(rejected).hostname if isinstance(rejected, str) else None
                logger.warning(
                    "Salesforce at %s: ignored instance_url on host %r; using the configured URL",
                    self._host,
                    rejected_host,
                )
                base_url = self._base_url
            logger.debug("Salesforce at %s: obtained an access token", self._host)
            return _Token(access_token, base_url, self._clock() + _lifetime(body.get("expires_in")))
        error = body.get("error")
        if error in ("invalid_client", "invalid_client_id"):
            logger.warning("Salesforce at %s: the client id or secret was refused", self._host)
            raise SalesforceError("salesforce.invalid_client", {"host": self._host})
        if error == "invalid_grant":
            description = self._scrub(body.get("error_description"))
            logger.warning("Salesforce at %s: invalid_grant (%s)", self._host, description)
            raise SalesforceError(
                "salesforce.invalid_grant", {"host": self._host, "description": description}
            )
        raise self._unexpected(status)

    # ------------------------------------------------------------ plumbing

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        failure: str
        try:
            # follow_redirects=False per request too: an injected client may have been built to follow.
            return self._http.request(method, url, follow_redirects=False, **kwargs)
        except httpx.TransportError as exc:
            # Only the exception's class: its request object holds the body with the secret.
            failure = type(exc).__name__
        # Raised outside the except block so the httpx exception is not chained as __context__.
        logger.warning("Salesforce at %s unreachable (%s)", self._host, failure)
        raise SalesforceError("salesforce.unreachable", {"host": self._host})

    def _unexpected(self, status: int) -> SalesforceError:
        logger.warning("Salesforce at %s answered unexpectedly (HTTP %d)", self._host, status)
        return SalesforceError("salesforce.unexpected", {"host": self._host, "status": status})

    def _scrub(self, value: object) -> str:
        """Salesforce's error text, made safe to show: no secret, no token, no control characters."""
        text = value if isinstance(value, str) else ""
        for secret in (self._credentials.client_secret, self._token.access_token if self._token else ""):
            if secret:
                text = text.replace(secret, "[redacted]")
        text = _CONTROL_CHARACTERS.sub(" ", text).strip()
        return text[:MAX_DESCRIPTION_LENGTH]


def _lifetime(expires_in: object) -> float:
    try:
        seconds = float(expires_in) if isinstance(expires_in, int | float | str) else None
    except ValueError:
        seconds = None
    if seconds is None or seconds <= 0:
        return DEFAULT_TOKEN_LIFETIME
    if seconds <= 2 * EXPIRY_MARGIN:
        return seconds / 2
    return seconds - EXPIRY_MARGIN


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_code(response: httpx.Response) -> str | None:
    """The errorCode of a REST API error body, which is a list of {"message", "errorCode"} objects."""
    body = _json(response)
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("errorCode"), str):
        return str(body["errorCode"])
    return None


# ---------------------------------------------------------------- step 6: the package


def _int(value: object) -> int:
    # Salesforce always returns these as integers; anything else counts as 0 rather than crashing a check.
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def format_version(major: int, minor: int, patch: int) -> str:
    """As Setup > Installed Packages shows it: 1.8000, or 1.8000.2 when there is a patch."""
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def check_package(client: ToolingQuery) -> CheckResult:
    versions: list[tuple[int, int, int]] = []
    for record in client.tooling_query(PACKAGE_SOQL):
        package = record.get("SubscriberPackage")
        if not isinstance(package, dict):
            continue
        namespace = package.get("NamespacePrefix")
        # Namespace prefixes are case-insensitive in Salesforce.
        if not isinstance(namespace, str) or namespace.lower() != PACKAGE_NAMESPACE:
            continue
        version = record.get("SubscriberPackageVersion")
        version = version if isinstance(version, dict) else {}
        versions.append(
            (
                _int(version.get("MajorVersion")),
                _int(version.get("MinorVersion")),
                _int(version.get("PatchVersion")),
            )
        )
    if not versions:
        return CheckResult(
            step=6,
            checks=[
                Check(
                    name_key="salesforce.check.package_installed.name",
                    passed=False,
                    key="salesforce.check.package_installed.missing",
                )
            ],
        )
    major, minor, patch = max(versions)
    version_text = format_version(major, minor, patch)
    minimum_text = format_version(*PERMISSION_SET_MINIMUM, 0)
    # Numeric comparison: 1.900 is older than 1.8000 although "1.900" > "1.8000" as text.
    recent_enough = (major, minor) >= PERMISSION_SET_MINIMUM
    return CheckResult(
        step=6,
        checks=[
            Check(
                name_key="salesforce.check.package_installed.name",
                passed=True,
                key="salesforce.check.package_installed.passed",
                params={"version": version_text},
            ),
            Check(
                name_key="salesforce.check.permission_set_support.name",
                passed=recent_enough,
                key=(
                    "salesforce.check.permission_set_support.passed"
                    if recent_enough
                    else "salesforce.check.permission_set_support.too_old"
                ),
                params={"version": version_text, "minimum": minimum_text},
                warning=not recent_enough,
            ),
        ],
    )


# ---------------------------------------------------------------- step 7: remote site settings


def _normalize_endpoint(url: str) -> str:
    return url.strip().rstrip("/").lower()


def check_remote_sites(client: ToolingQuery) -> CheckResult:
    records = client.tooling_query(REMOTE_SITES_SOQL)
    checks: list[Check] = []
    for required in REQUIRED_REMOTE_SITES:
        matching = [
            record
            for record in records
            if isinstance(record.get("EndpointUrl"), str)
            and _normalize_endpoint(record["EndpointUrl"]) == _normalize_endpoint(required)
        ]
        active = [record for record in matching if record.get("IsActive") is True]
        params = {"url": required}
        # Name the record the outcome is about: the active one if any, else the inactive one.
        for record in active or matching:
            if isinstance(record.get("SiteName"), str):
                params["site_name"] = record["SiteName"]
                break
        if active:
            outcome = "salesforce.check.remote_site.passed"
        elif matching:
            outcome = "salesforce.check.remote_site.inactive"
        else:
            outcome = "salesforce.check.remote_site.missing"
        checks.append(
            Check(
                name_key="salesforce.check.remote_site.name",
                passed=bool(active),
                key=outcome,
                params=params,
            )
        )
    return CheckResult(step=7, checks=checks)
