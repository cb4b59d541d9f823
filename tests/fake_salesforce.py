"""A local fake of a Salesforce org over real HTTP: the OAuth token endpoint and the Tooling API query.

It answers with the documented shapes: the client-credentials token response
(`{"access_token", "instance_url", "token_type": "Bearer", ...}`), OAuth errors
(`{"error", "error_description"}`), query results (`{"size", "totalSize", "done", "records"}` with
`attributes` on every record and nested object) and REST errors (`[{"message", "errorCode"}]`).
Tests configure the installed package, the Remote Site Settings and the failures to inject, and read
`requests` to see exactly what reached the server: method, path, query, headers and body.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/services/data/"
QUERY_SUFFIX = "/tooling/query/"


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str
    at: float = field(default_factory=time.monotonic)

    @property
    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body, keep_blank_values=True).items()}

    @property
    def soql(self) -> str | None:
        values = parse_qs(self.query).get("q")
        return values[-1] if values else None


@dataclass
class RemoteSite:
    site_name: str
    endpoint_url: str
    is_active: bool = True


@dataclass
class Version:
    major: int
    minor: int
    patch: int = 0
    build: int = 1


class FakeSalesforce:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        # ---- the org's state
        self.package_version: Version | None = Version(1, 8000)
        # Other managed packages an org typically has; they must not be mistaken for mkto_si.
        self.other_packages: list[tuple[str, str, Version]] = [
            ("sf_com_apps", "Salesforce Connected Apps", Version(1, 7))
        ]
        self.remote_sites: list[RemoteSite] = [
            RemoteSite("Adobe_IMS", "https://ims-na1.adobelogin.com"),
            RemoteSite("MSI_Actions", "https://mkto-sales-connect.adobe.io"),
        ]
        # ---- token behaviour
        self.expires_in: int | None = None  # Salesforce omits it for client credentials
        self.instance_url: str | None = None  # None: this server's own URL
        self.token_error: tuple[int, str, str] | None = None  # (status, error, error_description)
        self.token_redirect: str | None = None  # answer the token POST with a 302 to this URL
        self.token_delay = 0.0
        self.valid_tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self._token_numbers = itertools.count(1)
        # ---- query behaviour
        self.page_size = 2000
        self.reject_sessions_once = False  # next query: 401 INVALID_SESSION_ID, and the token dies
        self.reject_all_sessions = False
        self.request_limit_exceeded = False
        # (status, body) for every query: a JSON-able body, or bytes sent as an HTML page
        self.query_failure: tuple[int, Any] | None = None
        self.next_records_url_override: str | None = None
        self.query_delay = 0.0
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        # A short poll interval so stop() (which waits for the serve loop to notice) does not slow every test.
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # ---------------------------------------------------------------- set-up

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSalesforce:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_tokens(self) -> None:
        """Every token issued so far stops working, as when the org's session timeout passes."""
        with self.lock:
            self.valid_tokens.clear()

    # ---------------------------------------------------------------- reading what happened

    def token_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == "/services/oauth2/token"]

    def query_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(API_PREFIX)]

    # ---------------------------------------------------------------- the token endpoint

    def _token(self, request: Request) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.token_delay:
            time.sleep(self.token_delay)
        if self.token_redirect is not None:
            return 302, {}, {"Location": self.token_redirect}
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return (
                400,
                {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
                {},
            )
        if self.token_error is not None:
            status, error, description = self.token_error
            return status, {"error": error, "error_description": description}, {}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}, {}
        with self.lock:
            token = f"00DFAKE!AQ4AQ.token-{next(self._token_numbers)}-{int(time.monotonic() * 1000)}"
            self.valid_tokens.add(token)
            self.issued_tokens.append(token)
        body: dict[str, Any] = {
            "access_token": token,
            "signature": "c2lnbmF0dXJl",
            "scope": "api",
            "instance_url": self.instance_url or self.url,
            "id": f"{self.url}/id/00DFAKE/005FAKE",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "api_instance_url": "https://api.salesforce.com",
        }
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return 200, body, {}

    # ---------------------------------------------------------------- the Tooling API

    def _query(self, request: Request) -> tuple[int, Any]:
        if self.query_delay:
            time.sleep(self.query_delay)
        if not request.path.startswith(API_PREFIX) or QUERY_SUFFIX not in request.path:
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
        authorization = request.headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        with self.lock:
            valid = token in self.valid_tokens
            if valid and self.reject_sessions_once:
                self.reject_sessions_once = False
                self.valid_tokens.discard(token)
                valid = False
        if not valid or self.reject_all_sessions:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        if self.request_limit_exceeded:
            return 403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        if self.query_failure is not None:
            return self.query_failure
        version_path = request.path[len(API_PREFIX) :].split("/", 1)[0]
        locator = request.path.split(QUERY_SUFFIX, 1)[1]
        if locator:
            with self.lock:
                remaining = self._cursors.pop(locator, None)
            if remaining is None:
                return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
            return 200, self._page(remaining, version_path, total=None)
        soql = request.soql or ""
        if "FROM InstalledSubscriberPackage" in soql:
            records = self._package_records(version_path)
        elif "FROM RemoteProxy" in soql:
            records = self._remote_site_records(version_path)
        else:
            return 400, [{"message": "sObject type is not supported.", "errorCode": "INVALID_TYPE"}]
        return 200, self._page(records, version_path, total=len(records))

    def _page(self, records: list[dict[str, Any]], version: str, total: int | None) -> dict[str, Any]:
        page, rest = records[: self.page_size], records[self.page_size :]
        body: dict[str, Any] = {
            "size": len(page),
            "totalSize": total if total is not None else len(records),
            "done": not rest,
            "queryLocator": None,
            "entityTypeName": None,
            "records": page,
        }
        if rest:
            locator = f"01gFAKE{len(self._cursors) + 1:08d}-{len(page)}"
            with self.lock:
                self._cursors[locator] = rest
            body["queryLocator"] = locator
            body["nextRecordsUrl"] = self.next_records_url_override or (
                f"{API_PREFIX}{version}{QUERY_SUFFIX}{locator}"
            )
        return body

    def _package_records(self, version: str) -> list[dict[str, Any]]:
        packages = list(self.other_packages)
        if self.package_version is not None:
            packages.append(("mkto_si", "Marketo Sales Insight", self.package_version))
        return [
            {
                "attributes": _attributes("InstalledSubscriberPackage", version, f"0A3FAKE{n:08d}"),
                "SubscriberPackage": {
                    "attributes": _attributes("SubscriberPackage", version, f"033FAKE{n:08d}"),
                    "NamespacePrefix": namespace,
                    "Name": name,
                },
                "SubscriberPackageVersion": {
                    "attributes": _attributes("SubscriberPackageVersion", version, f"04tFAKE{n:08d}"),
                    "MajorVersion": package_version.major,
                    "MinorVersion": package_version.minor,
                    "PatchVersion": package_version.patch,
                    "BuildNumber": package_version.build,
                },
            }
            for n, (namespace, name, package_version) in enumerate(packages, start=1)
        ]

    def _remote_site_records(self, version: str) -> list[dict[str, Any]]:
        return [
            {
                "attributes": _attributes("RemoteProxy", version, f"0rpFAKE{n:08d}"),
                "SiteName": site.site_name,
                "EndpointUrl": site.endpoint_url,
                "IsActive": site.is_active,
            }
            for n, site in enumerate(self.remote_sites, start=1)
        ]

    # ---------------------------------------------------------------- HTTP plumbing

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # As in tests/fake_slack.py: without TCP_NODELAY every keep-alive answer waits 40 ms for an ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _record(self) -> Request:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parts.query,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=raw.decode("utf-8", "replace"),
                )
                with fake.lock:
                    fake.requests.append(request)
                return request

            def do_POST(self) -> None:
                request = self._record()
                if request.path != "/services/oauth2/token":
                    self._send(
                        404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
                    )
                    return
                status, body, headers = fake._token(request)
                self._send(status, body, headers)

            def do_GET(self) -> None:
                request = self._record()
                status, body = fake._query(request)
                self._send(status, body)

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                is_page = isinstance(body, bytes)
                raw = body if is_page else json.dumps(body).encode()
                content_type = "text/html" if is_page else "application/json;charset=UTF-8"
                # The client may have given up (a timeout test); writing to a closed socket is expected then.
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(raw)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(raw)

        return Handler


def _attributes(sobject: str, version: str, record_id: str) -> dict[str, str]:
    """The `attributes` Salesforce puts on every record and nested object of a query result."""
    return {"type": sobject, "url": f"{API_PREFIX}{version}/tooling/sobjects/{sobject}/{record_id}"}
