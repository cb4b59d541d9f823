"""The bot's settings: every variable of the run-time contract, validated once at start-up.

pydantic-settings reads the environment and a `.env` file (the environment wins). Errors are reported
one line per variable and never with the rejected value: a mistyped token must not reach a terminal or a
log collector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

import holidays
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.steps.salesforce import OrgCredentials, SalesforceError, validate_org_url

_DURATION_PART = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `2h`, `1d` and combinations such as `1h30m`; anything else is an error."""
    cleaned = text.strip().lower().replace(" ", "")
    if not cleaned:
        raise ValueError("is empty; use a duration such as 90s, 15m, 2h, 1d or 1h30m")
    position = 0
    total = 0
    for match in _DURATION_PART.finditer(cleaned):
        if match.start() != position:
            break
        total += int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(cleaned):
        raise ValueError("is not a duration; use a form such as 90s, 15m, 2h, 1d or 1h30m")
    if total <= 0:
        raise ValueError("must be longer than zero")
    return timedelta(seconds=total)


@dataclass(frozen=True)
class WorkingHours:
    """When reminders may be sent, read in each recipient's own time zone (bot/reminders/calendar.py)."""

    always: bool
    weekdays: frozenset[int] = frozenset()
    start: time = time(0, 0)
    end: time = time(0, 0)

    def contains(self, local: datetime) -> bool:
        if self.always:
            return True
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    def next_opening(self, local: datetime) -> datetime:
        """The first moment at or after `local` that lies within the working hours."""
        if self.contains(local):
            return local
        candidate = local
        for _ in range(8):
            opening = candidate.replace(
                hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0
            )
            if candidate.weekday() in self.weekdays and opening >= local:
                return opening
            candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        raise ValueError("working hours contain no opening")


def parse_working_hours(text: str) -> WorkingHours:
    """`always`, or days and hours such as `Mon-Fri 09:00-18:00` or `Mon,Wed,Fri 08:30-17:00`."""
    cleaned = text.strip().lower()
    if cleaned == "always":
        return WorkingHours(always=True)
    match = re.fullmatch(r"([a-z,\-]+)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", cleaned)
    if not match:
        raise ValueError("is not of the form 'Mon-Fri 09:00-18:00' or 'always'")
    days: set[int] = set()
    for part in match.group(1).split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(end not in _DAY_NAMES for end in ends):
            raise ValueError("names an unknown day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        first, last = _DAY_NAMES.index(ends[0]), _DAY_NAMES.index(ends[-1])
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.update(span)
    hours = [int(match.group(i)) for i in (2, 3, 4, 5)]
    if hours[0] > 23 or hours[2] > 24 or hours[1] > 59 or hours[3] > 59 or (hours[2] == 24 and hours[3] > 0):
        raise ValueError("has an hour or minute out of range")
    start = time(hours[0], hours[1])
    end = time(23, 59, 59, 999999) if hours[2] == 24 else time(hours[2], hours[3])
    if end <= start:
        raise ValueError("must end after it starts on the same day")
    return WorkingHours(always=False, weekdays=frozenset(days), start=start, end=end)


def parse_holidays(text: str) -> tuple[str, ...]:
    """Comma-separated country codes (`JP`, `US`, `JP,US`) the holidays package knows; empty for none."""
    codes = tuple(dict.fromkeys(code.strip().upper() for code in text.split(",") if code.strip()))
    supported = holidays.list_supported_countries()
    if any(code not in supported for code in codes):
        raise ValueError(
            "names a country the holidays package does not know; use codes such as JP, US or JP,US"
        )
    return codes


def _holidays(value: Any) -> Any:
    return parse_holidays(value) if isinstance(value, str) else value


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


def _retention(value: Any) -> Any:
    """`never`, or a duration such as `365d`: how long personal data of ended rollouts is kept."""
    if isinstance(value, str):
        return None if value.strip().lower() == "never" else parse_duration(value)
    return value


def _working_hours(value: Any) -> Any:
    return parse_working_hours(value) if isinstance(value, str) else value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def check_database_url(value: str) -> str:
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):  # make_url's ValueError quotes part of the URL
        raise ValueError("is not a database URL such as sqlite:///msi-bot.db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
    return value


_SETTINGS_SOURCES = SettingsConfigDict(
    env_file=".env",
    env_file_encoding="utf-8",
    extra="ignore",
    case_sensitive=False,
    hide_input_in_errors=True,
    arbitrary_types_allowed=True,
)


class DataSettings(BaseSettings):
    """The variables the data commands (`msi-bot export`, `msi-bot erase`) need: no Slack token, since
    they only read and change the database."""

    model_config = _SETTINGS_SOURCES

    database_url: str = "sqlite:///msi-bot.db"

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return check_database_url(value)


class Settings(BaseSettings):
    """One validated object for every variable of SPEC section 1; field names are the variable names."""

    model_config = _SETTINGS_SOURCES

    slack_bot_token: SecretStr
    # Declared before the signing secret, whose check needs to know whether Socket Mode is on.
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: str = "https://slack.com/api/"
    slack_file_hosts: str = "files.slack.com"
    database_url: str = "sqlite:///msi-bot.db"
    host: str = "0.0.0.0"  # noqa: S104 - a server listens on every interface unless told otherwise
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port (tests)
    msi_reminder_after: Duration = timedelta(hours=24)
    msi_sweep_every: Duration = timedelta(seconds=60)
    msi_escalate_after: int = Field(default=3, ge=1)
    # NoDecode: pydantic-settings would otherwise read a dataclass-typed variable as JSON.
    msi_working_hours: Annotated[WorkingHours, NoDecode, BeforeValidator(_working_hours)] = WorkingHours(
        always=False, weekdays=frozenset(range(5)), start=time(9), end=time(18)
    )
    # Public holidays of these countries count as outside the working hours (bot/reminders/calendar.py).
    msi_holidays: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_holidays)] = ()
    msi_seats: int = Field(default=100, ge=1)
    # None keeps personal data for ever (`never`).
    msi_retention: Annotated[timedelta | None, BeforeValidator(_retention)] = timedelta(days=365)
    log_level: str = "INFO"
    log_format: str = "text"
    # Optional: an OAuth client-credentials app per org, to check steps 6 and 7 in Salesforce itself.
    salesforce_url: str | None = None
    salesforce_client_id: str | None = None
    salesforce_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    salesforce_sandbox_url: str | None = None
    salesforce_sandbox_client_id: str | None = None
    salesforce_sandbox_client_secret: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_for_http_mode(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # A field check rather than a model check, so it is reported together with every other problem.
        secret = value if value is not None and value.get_secret_value() else None
        if secret is None and "slack_app_token" in info.data and info.data["slack_app_token"] is None:
            raise ValueError("required in HTTP mode (when SLACK_APP_TOKEN is not set)")
        return secret

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_file_hosts")
    @classmethod
    def _file_hosts_shape(cls, value: str) -> str:
        hosts = [host.strip().lower() for host in value.split(",") if host.strip()]
        if any(not re.fullmatch(r"[a-z0-9.\-]+(:\d+)?", host) for host in hosts):
            raise ValueError("must be a comma-separated list of host names")
        return ",".join(hosts)

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("salesforce_url", "salesforce_sandbox_url")
    @classmethod
    def _salesforce_url_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return validate_org_url(value)
        except SalesforceError:
            raise ValueError(
                "must be the org's My Domain URL, such as https://yourcompany.my.salesforce.com"
            ) from None

    @field_validator("salesforce_client_id", "salesforce_sandbox_client_id")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("salesforce_client_secret", "salesforce_sandbox_client_secret")
    @classmethod
    def _salesforce_settings_together(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Declared after the URL and the client id of its org, so both are in info.data (when valid).
        secret = value if value is not None and value.get_secret_value() else None
        prefix = "SALESFORCE_SANDBOX_" if info.field_name and "sandbox" in info.field_name else "SALESFORCE_"
        url_field = "salesforce_sandbox_url" if prefix == "SALESFORCE_SANDBOX_" else "salesforce_url"
        id_field = url_field.replace("_url", "_client_id")
        given = {
            "URL": info.data.get(url_field),
            "CLIENT_ID": info.data.get(id_field),
            "CLIENT_SECRET": secret,
        }
        if url_field not in info.data:
            return secret  # the URL itself was invalid and is reported on its own line
        missing = [prefix + name for name, present in given.items() if not present]
        if 0 < len(missing) < 3:
            together = f"{prefix}URL, {prefix}CLIENT_ID and {prefix}CLIENT_SECRET"
            raise ValueError(f"{together} go together; missing: {', '.join(missing)}")
        return secret

    @field_validator("log_level")
    @classmethod
    def _log_level_name(cls, value: str) -> str:
        upper = value.strip().upper()
        if upper not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return upper

    @field_validator("log_format")
    @classmethod
    def _log_format_name(cls, value: str) -> str:
        lower = value.strip().lower()
        if lower not in ("text", "json"):
            raise ValueError("must be text or json")
        return lower

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def salesforce_orgs(self) -> dict[str, OrgCredentials]:
        """The orgs the bot may check, by rollout environment."""
        orgs: dict[str, OrgCredentials] = {}
        if self.salesforce_url and self.salesforce_client_id and self.salesforce_client_secret:
            orgs["production"] = OrgCredentials(
                self.salesforce_url,
                self.salesforce_client_id,
                self.salesforce_client_secret.get_secret_value(),
            )
        if (
            self.salesforce_sandbox_url
            and self.salesforce_sandbox_client_id
            and self.salesforce_sandbox_client_secret
        ):
            orgs["sandbox"] = OrgCredentials(
                self.salesforce_sandbox_url,
                self.salesforce_sandbox_client_id,
                self.salesforce_sandbox_client_secret.get_secret_value(),
            )
        return orgs

    def secrets(self) -> list[str]:
        """Every secret value, so logging can scrub them."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token]
        values += [self.salesforce_client_secret, self.salesforce_sandbox_client_secret]
        return [value.get_secret_value() for value in values if value is not None]

    @property
    def token_hosts(self) -> frozenset[str]:
        """Every host that may ever receive the bot token: the Web API's and the file hosts."""
        api_host = (urlsplit(self.slack_api_url).netloc or "").lower()
        return frozenset([api_host, *self.slack_file_hosts.split(",")]) - {""}


class SettingsError(Exception):
    """Raised with one line per problem, each naming the variable and never its value."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_errors(error)) from None


def load_data_settings(**overrides: Any) -> DataSettings:
    try:
        return DataSettings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_errors(error)) from None


def describe_errors(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        variable = str(item["loc"][0]).upper() if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required but not set"
        if variable:
            problems.append(f"{variable}: {message}")
        else:
            problems.append(message)
    return problems
