"""Downloading a file a user shared in Slack: the bearer token goes only to Slack's own hosts.

Streamed with httpx, the size limit enforced while reading (a lying Content-Length changes nothing), a
timeout on every phase, redirects followed by hand and only to allowed hosts, and an HTML answer (Slack's
sign-in page when the token lacks access) treated as a failed download.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

import httpx

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3


class DownloadError(Exception):
    """`key` is a catalog key (csv.*), `params` its parameters; `transient` means trying later may work."""

    def __init__(self, key: str, *, transient: bool = False, **params: object):
        super().__init__(key)
        self.key = key
        self.transient = transient
        self.params = params


def host_of(url: str) -> str:
    """The host (with its port, if any) a URL points at, lower-cased, as SLACK_FILE_HOSTS lists them."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


class FileFetcher:
    def __init__(
        self,
        token: str,
        allowed_hosts: frozenset[str],
        *,
        http: httpx.Client | None = None,
        max_bytes: int,
        timeout: float = 20.0,
    ):
        self._token = token
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.http = http or httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=False)
        self.max_bytes = max_bytes

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            return False
        host = host_of(url)
        # Plain http only for a local test double; Slack's hosts are https.
        if parts.scheme == "http" and (parts.hostname or "") not in ("127.0.0.1", "localhost", "::1"):
            return False
        return host in self.allowed_hosts or (parts.hostname or "").lower() in self.allowed_hosts

    def download(self, url: str) -> bytes:
        for _hop in range(MAX_REDIRECTS + 1):
            if not self.allowed(url):
                logger.warning("refused to send the bot token to %s", host_of(url) or "an unparsable URL")
                raise DownloadError("csv.foreign_host", host=host_of(url) or "?")
            try:
                with self.http.stream(
                    "GET", url, headers={"Authorization": f"Bearer {self._token}"}, follow_redirects=False
                ) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    return self._read(response)
            except httpx.TimeoutException:
                logger.warning("file download from %s timed out", host_of(url))
                raise DownloadError("csv.download_failed", transient=True) from None
            except httpx.TransportError as error:
                logger.warning("file download from %s failed: %s", host_of(url), type(error).__name__)
                raise DownloadError("csv.download_failed", transient=True) from None
        raise DownloadError("csv.download_failed")

    def _read(self, response: httpx.Response) -> bytes:
        if response.status_code == 429 or response.status_code >= 500:
            raise DownloadError("csv.download_failed", transient=True)
        if response.status_code != 200:
            raise DownloadError("csv.download_failed")
        if response.headers.get("content-type", "").lower().startswith("text/html"):
            # Slack answers a request it won't serve with its HTML sign-in page and status 200.
            raise DownloadError("csv.download_failed")
        declared = response.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            raise DownloadError("csv.too_large")
        received = bytearray()
        for chunk in response.iter_bytes(64 * 1024):
            received.extend(chunk)
            if len(received) > self.max_bytes:
                raise DownloadError("csv.too_large")
        return bytes(received)
