"""The Salesforce checks of steps 6 and 7, against a fake org over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from bot.steps.salesforce import (
    DEFAULT_TOKEN_LIFETIME,
    PACKAGE_SOQL,
    REMOTE_SITES_SOQL,
    Check,
    OrgCredentials,
    SalesforceClient,
    SalesforceError,
    accepted_instance_url,
    check_package,
    check_remote_sites,
    validate_org_url,
)
from tests.fake_salesforce import FakeSalesforce, RemoteSite, Version

CLIENT_ID = "3MVG9fake.client.id.for.tests"
SECRET = "Sup3rS3cret-client-secret-9f3a7c"
IMS = "https://ims-na1.adobelogin.com"
ACTIONS = "https://mkto-sales-connect.adobe.io"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce(CLIENT_ID, SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def foreign() -> Iterator[FakeSalesforce]:
    """A second server standing for a host that must never see our token or secret."""
    server = FakeSalesforce(CLIENT_ID, SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(5.0, connect=2.0), follow_redirects=False) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(fake: FakeSalesforce, http: httpx.Client, clock: FakeClock) -> SalesforceClient:
    return SalesforceClient(OrgCredentials(fake.url, CLIENT_ID, SECRET), http=http, clock=clock)


def raised(action: Callable[[], object]) -> SalesforceError:
    with pytest.raises(SalesforceError) as info:
        action()
    return info.value


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_no_secret_in(error: BaseException, fake: FakeSalesforce) -> None:
    secrets = [SECRET, *fake.issued_tokens]
    seen: BaseException | None = error
    while seen is not None:
        for text in (str(seen), repr(seen), repr(getattr(seen, "params", ""))):
            for secret in secrets:
                assert secret not in text
        seen = seen.__cause__ or seen.__context__


# ---------------------------------------------------------------- step 6


@pytest.mark.parametrize(
    ("version", "shown", "recent_enough"),
    [
        (Version(1, 8000), "1.8000", True),
        (Version(1, 8000, 2), "1.8000.2", True),
        (Version(1, 10000), "1.10000", True),
        (Version(2, 0), "2.0", True),
        (Version(1, 19), "1.19", False),
        (Version(1, 900), "1.900", False),
    ],
)
def test_an_installed_package_passes_and_versions_below_1_8000_warn_about_the_permission_set(
    fake: FakeSalesforce, client: SalesforceClient, version: Version, shown: str, recent_enough: bool
) -> None:
    fake.package_version = version

    result = check_package(client)

    installed, permission_set = result.checks
    assert result.step == 6
    assert installed == Check(
        name_key="salesforce.check.package_installed.name",
        passed=True,
        key="salesforce.check.package_installed.passed",
        params={"version": shown},
    )
    assert permission_set.name_key == "salesforce.check.permission_set_support.name"
    assert permission_set.passed is recent_enough
    assert permission_set.warning is (not recent_enough)
    assert permission_set.params == {"version": shown, "minimum": "1.8000"}
    assert permission_set.key == (
        "salesforce.check.permission_set_support.passed"
        if recent_enough
        else "salesforce.check.permission_set_support.too_old"
    )
    # A too-old package is a warning, not a failure of the step.
    assert result.passed is True
    assert result.warnings == ([] if recent_enough else [permission_set])


def test_an_org_without_the_mkto_si_package_fails_step_6_even_with_other_packages_installed(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.package_version = None
    assert fake.other_packages

    result = check_package(client)

    assert result.passed is False
    assert result.checks == [
        Check(
            name_key="salesforce.check.package_installed.name",
            passed=False,
            key="salesforce.check.package_installed.missing",
        )
    ]


def test_the_package_check_sends_the_documented_soql_to_the_tooling_api(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    check_package(client)

    (request,) = fake.query_requests()
    assert request.method == "GET"
    assert request.path == "/services/data/v61.0/tooling/query/"
    assert request.soql == PACKAGE_SOQL


# ---------------------------------------------------------------- step 7


def test_both_active_remote_sites_pass_step_7(fake: FakeSalesforce, client: SalesforceClient) -> None:
    result = check_remote_sites(client)

    assert result.step == 7
    assert result.passed is True
    assert [(check.key, check.params) for check in result.checks] == [
        ("salesforce.check.remote_site.passed", {"url": IMS, "site_name": "Adobe_IMS"}),
        ("salesforce.check.remote_site.passed", {"url": ACTIONS, "site_name": "MSI_Actions"}),
    ]
    assert {check.name_key for check in result.checks} == {"salesforce.check.remote_site.name"}
    assert fake.query_requests()[0].soql == REMOTE_SITES_SOQL


def test_remote_site_urls_match_ignoring_case_and_a_trailing_slash(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.remote_sites = [
        RemoteSite("IMS", "HTTPS://IMS-NA1.AdobeLogin.com/"),
        RemoteSite("Actions", "https://mkto-sales-connect.adobe.io/"),
    ]

    assert check_remote_sites(client).passed is True


def test_a_missing_remote_site_fails_as_missing(fake: FakeSalesforce, client: SalesforceClient) -> None:
    # A look-alike host must not count as the real one.
    fake.remote_sites = [
        RemoteSite("Adobe_IMS", IMS),
        RemoteSite("Lookalike", "https://mkto-sales-connect.adobe.io.example.com"),
    ]

    result = check_remote_sites(client)

    assert result.passed is False
    assert [check.passed for check in result.checks] == [True, False]
    assert result.checks[1].key == "salesforce.check.remote_site.missing"
    assert result.checks[1].params == {"url": ACTIONS}
    assert result.checks[1].warning is False


def test_an_inactive_remote_site_fails_as_inactive_not_missing(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.remote_sites = [RemoteSite("Adobe_IMS", IMS, is_active=False), RemoteSite("MSI_Actions", ACTIONS)]

    result = check_remote_sites(client)

    assert result.passed is False
    assert result.checks[0].key == "salesforce.check.remote_site.inactive"
    assert result.checks[0].params == {"url": IMS, "site_name": "Adobe_IMS"}
    assert result.checks[1].passed is True


def test_an_active_duplicate_of_an_inactive_remote_site_passes(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.remote_sites = [
        RemoteSite("Old_IMS", IMS, is_active=False),
        RemoteSite("New_IMS", IMS),
        RemoteSite("MSI_Actions", ACTIONS),
    ]

    result = check_remote_sites(client)

    assert result.passed is True
    assert result.checks[0].params == {"url": IMS, "site_name": "New_IMS"}


def test_pagination_follows_next_records_url_until_done(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.page_size = 1
    fake.remote_sites = [RemoteSite("Other", "https://example.com"), *fake.remote_sites]

    records = client.tooling_query(REMOTE_SITES_SOQL)

    assert [record["SiteName"] for record in records] == ["Other", "Adobe_IMS", "MSI_Actions"]
    requests = fake.query_requests()
    assert len(requests) == 3
    assert requests[1].path.startswith("/services/data/v61.0/tooling/query/01gFAKE")
    assert check_remote_sites(client).passed is True


def test_a_next_records_url_on_another_host_is_not_followed(
    fake: FakeSalesforce, foreign: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.page_size = 1
    fake.next_records_url_override = f"{foreign.url}/services/data/v61.0/tooling/query/01gFAKE-1"

    error = raised(lambda: client.tooling_query(REMOTE_SITES_SOQL))

    assert error.key == "salesforce.unexpected"
    assert foreign.requests == []
    # Not followed anywhere: not even its path is tried on the org's own host.
    assert len(fake.query_requests()) == 1


# ---------------------------------------------------------------- the token


def test_the_token_is_fetched_once_for_several_queries(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    check_package(client)
    check_remote_sites(client)
    check_package(client)

    assert len(fake.token_requests()) == 1
    assert len(fake.query_requests()) == 3


def test_the_token_is_fetched_again_once_expires_in_has_passed(
    fake: FakeSalesforce, client: SalesforceClient, clock: FakeClock
) -> None:
    fake.expires_in = 3600
    check_package(client)
    clock.advance(3500)
    check_package(client)
    assert len(fake.token_requests()) == 1

    # Within the last minute of its life the token is no longer used: a request must not race its expiry.
    clock.advance(45)
    check_package(client)

    assert len(fake.token_requests()) == 2
    assert fake.query_requests()[-1].headers["authorization"] == f"Bearer {fake.issued_tokens[-1]}"


def test_without_expires_in_the_token_is_kept_for_the_default_lifetime_then_refetched(
    fake: FakeSalesforce, client: SalesforceClient, clock: FakeClock
) -> None:
    check_package(client)
    clock.advance(DEFAULT_TOKEN_LIFETIME - 1)
    check_package(client)
    assert len(fake.token_requests()) == 1

    clock.advance(2)
    check_package(client)

    assert len(fake.token_requests()) == 2


def test_concurrent_queries_share_one_token_request(fake: FakeSalesforce, client: SalesforceClient) -> None:
    fake.token_delay = 0.2
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def query() -> None:
        barrier.wait()
        try:
            client.tooling_query(PACKAGE_SOQL)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=query) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert failures == []
    assert len(fake.token_requests()) == 1
    assert len(fake.query_requests()) == 6


def test_an_invalid_session_is_retried_exactly_once_with_a_fresh_token(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    check_package(client)
    fake.reject_sessions_once = True

    result = check_package(client)

    assert result.passed is True
    assert len(fake.token_requests()) == 2
    queries = fake.query_requests()
    assert len(queries) == 3
    assert queries[1].headers["authorization"] == f"Bearer {fake.issued_tokens[0]}"
    assert queries[2].headers["authorization"] == f"Bearer {fake.issued_tokens[1]}"


def test_a_token_that_expired_early_is_replaced_on_the_next_query(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    check_package(client)
    fake.expire_tokens()

    assert check_remote_sites(client).passed is True
    assert len(fake.token_requests()) == 2


def test_a_session_rejected_again_after_the_retry_gives_session_expired(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.reject_all_sessions = True

    error = raised(lambda: check_package(client))

    assert error.key == "salesforce.session_expired"
    assert error.params == {"host": client.host}
    assert len(fake.token_requests()) == 2
    assert len(fake.query_requests()) == 2
    assert_no_secret_in(error, fake)


def test_a_foreign_instance_url_is_not_used_and_receives_nothing(
    fake: FakeSalesforce, foreign: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.instance_url = foreign.url

    assert check_package(client).passed is True

    assert foreign.requests == []
    assert len(fake.query_requests()) == 1


@pytest.mark.parametrize(
    ("instance_url", "accepted"),
    [
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://ACME--uat.sandbox.my.salesforce.com/", "https://acme--uat.sandbox.my.salesforce.com"),
        ("https://na139.salesforce.com", "https://na139.salesforce.com"),
        ("https://acme.my.salesforce.mil", "https://acme.my.salesforce.mil"),
        ("https://acme.lightning.force.com:443", "https://acme.lightning.force.com"),
        ("https://configured.example.org", "https://configured.example.org"),
        ("http://acme.my.salesforce.com", None),
        ("https://acme.my.salesforce.com:8443", None),
        ("https://salesforce.com.attacker.io", None),
        ("https://attackersalesforce.com", None),
        ("https://user:pw@acme.my.salesforce.com", None),
        ("https://acme.my.salesforce.com/services", None),
        ("https://other.example.org", None),
        (None, None),
        (42, None),
    ],
)
def test_an_instance_url_is_accepted_only_on_the_configured_host_or_a_salesforce_domain(
    instance_url: object, accepted: str | None
) -> None:
    assert accepted_instance_url(instance_url, "https://configured.example.org") == accepted


# ---------------------------------------------------------------- errors


def test_a_wrong_client_secret_gives_invalid_client(fake: FakeSalesforce, http: httpx.Client) -> None:
    client = SalesforceClient.for_org(fake.url, CLIENT_ID, "wrong-secret-000000", http=http)

    error = raised(lambda: check_package(client))

    assert error.key == "salesforce.invalid_client"
    assert error.params == {"host": client.host}
    assert fake.query_requests() == []


def test_an_unknown_client_id_gives_invalid_client(fake: FakeSalesforce, client: SalesforceClient) -> None:
    fake.token_error = (400, "invalid_client_id", "client identifier invalid")

    assert raised(lambda: check_package(client)).key == "salesforce.invalid_client"


def test_invalid_grant_gives_invalid_grant_with_salesforces_description(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.token_error = (400, "invalid_grant", "no client credentials user enabled")

    error = raised(lambda: check_package(client))

    assert error.key == "salesforce.invalid_grant"
    assert error.params == {"host": client.host, "description": "no client credentials user enabled"}


def test_an_invalid_grant_description_echoing_the_secret_is_scrubbed(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.token_error = (400, "invalid_grant", f"bad secret {SECRET}\nline two")

    error = raised(lambda: check_package(client))

    assert error.params["description"] == "bad secret [redacted] line two"
    assert_no_secret_in(error, fake)


def test_request_limit_exceeded_gives_request_limit_without_a_retry(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.request_limit_exceeded = True

    error = raised(lambda: check_remote_sites(client))

    assert error.key == "salesforce.request_limit"
    assert error.params == {"host": client.host}
    assert len(fake.query_requests()) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"<html>An internal server error has occurred</html>"),
        (400, [{"message": "sObject type 'RemoteProxy' is not supported.", "errorCode": "INVALID_TYPE"}]),
        (
            403,
            [{"message": "The REST API is not enabled for this Organization.", "errorCode": "API_DISABLED"}],
        ),
        (200, {"unexpected": "shape"}),
    ],
)
def test_any_other_answer_gives_unexpected_with_the_http_status_only(
    fake: FakeSalesforce, client: SalesforceClient, status: int, body: object
) -> None:
    fake.query_failure = (status, body)

    error = raised(lambda: check_remote_sites(client))

    assert error.key == "salesforce.unexpected"
    assert error.params == {"host": client.host, "status": status}


def test_an_unexpected_token_answer_gives_unexpected(fake: FakeSalesforce, client: SalesforceClient) -> None:
    fake.token_error = (503, "server_unavailable", "try later")

    error = raised(lambda: check_package(client))

    assert error.key == "salesforce.unexpected"
    assert error.params == {"host": client.host, "status": 503}


def test_a_closed_port_gives_unreachable(http: httpx.Client) -> None:
    client = SalesforceClient.for_org(f"http://127.0.0.1:{closed_port()}", CLIENT_ID, SECRET, http=http)

    error = raised(lambda: check_package(client))

    assert error.key == "salesforce.unreachable"
    assert error.params == {"host": client.host}
    # The httpx exception (whose request holds the form body with the secret) is not kept on the error.
    assert error.__cause__ is None
    assert error.__context__ is None
    assert SECRET not in str(error) and SECRET not in repr(error)


def test_a_timeout_gives_unreachable(fake: FakeSalesforce) -> None:
    fake.query_delay = 1.0
    with httpx.Client(timeout=httpx.Timeout(0.3)) as http:
        client = SalesforceClient.for_org(fake.url, CLIENT_ID, SECRET, http=http)

        error = raised(lambda: check_package(client))

    assert error.key == "salesforce.unreachable"
    assert_no_secret_in(error, fake)


@pytest.mark.parametrize("injected", [True, False], ids=["injected-client-that-follows", "default-client"])
def test_a_redirect_is_never_followed(fake: FakeSalesforce, foreign: FakeSalesforce, injected: bool) -> None:
    fake.token_redirect = f"{foreign.url}/services/oauth2/token"
    http = httpx.Client(follow_redirects=True) if injected else None
    client = SalesforceClient.for_org(fake.url, CLIENT_ID, SECRET, http=http)
    try:
        error = raised(lambda: check_package(client))
    finally:
        client.close()
        if http is not None:
            http.close()

    assert error.key == "salesforce.unexpected"
    assert error.params["status"] == 302
    assert foreign.requests == []


# ---------------------------------------------------------------- secrets


def test_the_secret_goes_only_in_the_token_post_body_and_the_token_only_in_query_headers(
    fake: FakeSalesforce, foreign: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.instance_url = foreign.url
    fake.reject_sessions_once = True
    check_package(client)
    check_remote_sites(client)

    tokens = fake.issued_tokens
    assert len(tokens) == 2
    for request in fake.requests:
        exposed = " ".join([request.path, request.query, *request.headers.values()])
        assert SECRET not in exposed
        assert not any(token in request.body or token in request.path + request.query for token in tokens)
        if request.path == "/services/oauth2/token":
            assert request.method == "POST"
            assert request.form == {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
            }
            assert "authorization" not in request.headers
        else:
            assert SECRET not in request.body
            assert request.headers["authorization"] in {f"Bearer {token}" for token in tokens}
    assert foreign.requests == []


def test_secrets_never_reach_the_logs_even_at_debug(
    fake: FakeSalesforce, client: SalesforceClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "bot.steps.salesforce"):
        caplog.set_level(logging.DEBUG, logger=name)
    check_package(client)
    fake.reject_sessions_once = True
    check_remote_sites(client)
    fake.expire_tokens()
    fake.token_error = (400, "invalid_grant", f"secret was {SECRET}")
    raised(lambda: check_package(client))

    # The capture must have seen httpx's and httpcore's request logging, or the test proves nothing.
    assert any(record.name == "httpx" for record in caplog.records)
    assert any(record.name.startswith("httpcore") for record in caplog.records)
    assert any(record.name == "bot.steps.salesforce" for record in caplog.records)
    assert len(fake.issued_tokens) == 2
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in (SECRET, *fake.issued_tokens):
        assert secret not in logged


@pytest.mark.parametrize(
    "scenario",
    ["invalid_client", "invalid_grant", "request_limit", "session_expired", "unexpected", "unreachable"],
)
def test_no_error_text_or_repr_contains_the_secret_or_the_token(
    fake: FakeSalesforce, http: httpx.Client, scenario: str
) -> None:
    client = SalesforceClient.for_org(fake.url, CLIENT_ID, SECRET, http=http)
    if scenario == "invalid_client":
        fake.client_secret = "the-org-rotated-its-secret"
    elif scenario == "invalid_grant":
        fake.token_error = (400, "invalid_grant", f"{SECRET} rejected")
    elif scenario == "request_limit":
        fake.request_limit_exceeded = True
    elif scenario == "session_expired":
        fake.reject_all_sessions = True
    elif scenario == "unexpected":
        fake.query_failure = (500, b"<html>oops</html>")
    else:
        client = SalesforceClient.for_org(f"http://127.0.0.1:{closed_port()}", CLIENT_ID, SECRET, http=http)

    error = raised(lambda: check_remote_sites(client))

    assert error.key == f"salesforce.{scenario}"
    assert_no_secret_in(error, fake)
    assert SECRET not in repr(client)


def test_credentials_keep_the_secret_out_of_their_repr() -> None:
    credentials = OrgCredentials("https://acme.my.salesforce.com", CLIENT_ID, SECRET)

    assert SECRET not in repr(credentials)
    assert CLIENT_ID in repr(credentials)


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://Acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("  https://acme.my.salesforce.com  ", "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9000/", "http://localhost:9000"),
    ],
)
def test_a_valid_org_url_is_reduced_to_its_origin(url: str, normalized: str) -> None:
    assert validate_org_url(url) == normalized


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.my.salesforce.com",
        "acme.my.salesforce.com",
        "https://admin:hunter2-password@acme.my.salesforce.com",
        "https://admin@acme.my.salesforce.com",
        "https://acme.my.salesforce.com/lightning/setup",
        "https://acme.my.salesforce.com/?x=1",
        "https://acme.my.salesforce.com:notaport",
        "ftp://acme.my.salesforce.com",
        "",
    ],
)
def test_an_org_url_that_is_not_plain_https_is_refused_without_echoing_it(url: str) -> None:
    error = raised(lambda: SalesforceClient.for_org(url, CLIENT_ID, SECRET))

    assert error.key == "salesforce.invalid_url"
    assert error.params == {}
    assert "hunter2" not in str(error) + repr(error)
