"""Settings of SPEC section 1: durations, working hours, and start-up errors that never echo a value."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    SettingsError,
    WorkingHours,
    load_settings,
    parse_duration,
    parse_working_hours,
)

BOT_TOKEN = "xoxb-1111-2222-abcdef"
SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
# Mondays to Sundays of one week, 2024-06-03 (Mon) to 2024-06-09 (Sun).
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(3, 10)
PARIS = ZoneInfo("Europe/Paris")


def on(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def valid_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    return monkeypatch


def problems_of() -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return caught.value


def assert_one_line_per_problem(error: SettingsError, *variables: str) -> None:
    assert all("\n" not in problem for problem in error.problems)
    named = sorted(problem.split(":", 1)[0] for problem in error.problems)
    assert named == sorted(variables)
    assert str(error) == "\n".join(error.problems)


def assert_not_shown(error: SettingsError, *values: str) -> None:
    for value in values:
        assert value not in str(error)
        assert all(value not in problem for problem in error.problems)


# ---------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("  2H ", timedelta(hours=2)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
    ],
)
def test_a_duration_is_read_in_seconds_minutes_hours_days_and_combinations(
    text: str, expected: timedelta
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "0s", "0h0m", "5", "1x", "h", "-1h", "1.5h", "1h 30", "1h30", "2 hours"]
)
def test_a_duration_that_is_empty_zero_or_not_of_the_form_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_a_zero_duration_is_rejected_for_being_zero_rather_than_malformed() -> None:
    with pytest.raises(ValueError, match="longer than zero"):
        parse_duration("0m")


# ---------------------------------------------------------------- working hours


def test_always_means_every_moment_is_within_working_hours() -> None:
    hours = parse_working_hours(" Always ")
    assert hours.always is True
    assert hours.contains(on(SUNDAY, 3))
    assert hours.next_opening(on(SATURDAY, 23, 59)) == on(SATURDAY, 23, 59)


def test_a_day_range_with_hours_is_read_as_weekdays_and_times() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours == WorkingHours(always=False, weekdays=frozenset(range(5)), start=time(9), end=time(18))


def test_a_list_of_days_with_half_hours_is_read() -> None:
    hours = parse_working_hours("Mon,Wed,Fri 08:30-17:00")
    assert hours.weekdays == frozenset({0, 2, 4})
    assert (hours.start, hours.end) == (time(8, 30), time(17))


def test_day_names_are_read_whatever_their_case_and_single_digit_hours_are_accepted() -> None:
    assert parse_working_hours("mon-FRI 9:00-18:00") == parse_working_hours("Mon-Fri 09:00-18:00")


def test_a_day_range_may_wrap_around_the_weekend() -> None:
    assert parse_working_hours("Fri-Mon 10:00-16:00").weekdays == frozenset({4, 5, 6, 0})


def test_ranges_and_single_days_can_be_mixed() -> None:
    assert parse_working_hours("Mon-Tue,Thu 09:00-17:00").weekdays == frozenset({0, 1, 3})


def test_twenty_four_hundred_means_until_the_end_of_the_day() -> None:
    hours = parse_working_hours("Sat-Sun 20:00-24:00")
    assert hours.contains(on(SATURDAY, 23, 59))
    assert not hours.contains(on(SATURDAY, 19, 59))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sometimes",
        "Mon-Fri",
        "Mon-Fri 09:00",
        "Mon-Fry 09:00-18:00",
        "Monday-Friday 09:00-18:00",
        "Mon-Wed-Fri 09:00-18:00",
        "Mon,,Fri 09:00-18:00",
        "Mon-Fri 18:00-09:00",
        "Mon-Fri 09:00-09:00",
        "Mon-Fri 25:00-26:00",
        "Mon-Fri 09:00-25:00",
        "Mon-Fri 09:60-18:00",
        "Mon-Fri 09:00-18:75",
        "Mon-Fri 09:00-24:30",
    ],
)
def test_working_hours_with_unknown_days_impossible_times_or_an_end_before_the_start_are_rejected(
    text: str,
) -> None:
    with pytest.raises(ValueError):
        parse_working_hours(text)


def test_an_end_before_the_start_is_rejected_with_a_message_saying_so() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        parse_working_hours("Mon-Fri 18:00-09:00")


def test_an_unknown_day_is_rejected_with_a_message_listing_the_day_names() -> None:
    with pytest.raises(ValueError, match="Mon, Tue"):
        parse_working_hours("Mon-Fry 09:00-18:00")


def test_working_hours_include_the_start_and_exclude_the_end() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.contains(on(TUESDAY, 9))
    assert hours.contains(on(TUESDAY, 17, 59))
    assert not hours.contains(on(TUESDAY, 18))
    assert not hours.contains(on(TUESDAY, 8, 59))
    assert not hours.contains(on(SATURDAY, 12))


def test_the_next_opening_after_friday_evening_is_monday_morning() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.next_opening(on(FRIDAY, 18, 30)) == on(MONDAY + 7, 9)


def test_the_next_opening_on_a_saturday_is_monday_morning() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.next_opening(on(SATURDAY, 11, 15)) == on(MONDAY + 7, 9)


def test_the_next_opening_before_opening_time_on_a_weekday_is_the_same_day_at_the_start() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.next_opening(on(WEDNESDAY, 7, 45)) == on(WEDNESDAY, 9)


def test_the_next_opening_within_working_hours_is_now() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.next_opening(on(THURSDAY, 10, 5)) == on(THURSDAY, 10, 5)


def test_the_next_opening_with_a_single_working_day_is_a_week_later() -> None:
    hours = parse_working_hours("Mon 09:00-12:00")
    assert hours.next_opening(on(MONDAY, 12)) == on(MONDAY + 7, 9)


def test_the_next_opening_keeps_the_time_zone_of_the_moment_it_is_asked_about() -> None:
    hours = parse_working_hours("Mon-Fri 09:00-18:00")
    assert hours.next_opening(on(SUNDAY, 20)).tzinfo is PARIS


# ---------------------------------------------------------------- load_settings


def test_settings_have_the_documented_defaults(valid_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///msi-bot.db"
    assert (settings.host, settings.port) == ("0.0.0.0", 3000)  # noqa: S104
    assert settings.msi_reminder_after == timedelta(hours=24)
    assert settings.msi_sweep_every == timedelta(seconds=60)
    assert settings.msi_escalate_after == 3
    assert settings.msi_working_hours == parse_working_hours("Mon-Fri 09:00-18:00")
    assert settings.msi_seats == 100
    assert settings.log_level == "INFO"
    assert settings.socket_mode is False


def test_durations_are_read_from_the_environment(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_REMINDER_AFTER", "1h30m")
    valid_env.setenv("MSI_SWEEP_EVERY", "15s")
    settings = load_settings()
    assert settings.msi_reminder_after == timedelta(minutes=90)
    assert settings.msi_sweep_every == timedelta(seconds=15)


def test_working_hours_are_read_from_the_environment(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_WORKING_HOURS", "Mon,Wed,Fri 08:30-17:00")
    assert load_settings().msi_working_hours == parse_working_hours("Mon,Wed,Fri 08:30-17:00")


def test_always_as_working_hours_is_read_from_the_environment(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_WORKING_HOURS", "always")
    assert load_settings().msi_working_hours.always is True


def test_holidays_are_unset_by_default_and_read_as_upper_case_codes(valid_env: pytest.MonkeyPatch) -> None:
    assert load_settings().msi_holidays == ()
    valid_env.setenv("MSI_HOLIDAYS", " jp, US ,JP")
    assert load_settings().msi_holidays == ("JP", "US")


@pytest.mark.parametrize("text", ["XX", "JP,Japan", "JP;US"])
def test_an_unknown_holiday_country_is_one_problem_naming_the_variable(
    valid_env: pytest.MonkeyPatch, text: str
) -> None:
    valid_env.setenv("MSI_HOLIDAYS", text)
    error = problems_of()
    assert_one_line_per_problem(error, "MSI_HOLIDAYS")
    assert all(text not in problem for problem in error.problems)


def test_malformed_working_hours_are_one_problem_naming_the_variable(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_WORKING_HOURS", "Mon-Fry 09:00-18:00")
    error = problems_of()
    assert_one_line_per_problem(error, "MSI_WORKING_HOURS")
    assert_not_shown(error, "Fry")


def test_a_missing_bot_token_is_one_problem_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_BOT_TOKEN")
    assert "required" in error.problems[0]


def test_the_signing_secret_is_required_in_http_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_SIGNING_SECRET")


def test_an_empty_signing_secret_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    assert_one_line_per_problem(problems_of(), "SLACK_SIGNING_SECRET")


def test_the_signing_secret_is_not_needed_in_socket_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A111-222-abc")
    settings = load_settings()
    assert settings.socket_mode is True
    assert settings.slack_signing_secret is None


def test_a_missing_signing_secret_is_reported_together_with_other_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MSI_SWEEP_EVERY", "soon")
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MSI_SWEEP_EVERY")


def test_a_bot_token_of_the_wrong_kind_is_rejected_without_showing_it(
    valid_env: pytest.MonkeyPatch,
) -> None:
    valid_env.setenv("SLACK_BOT_TOKEN", "xoxp-SECRET-VALUE-123")
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_BOT_TOKEN")
    assert "xoxb-" in error.problems[0]
    assert_not_shown(error, "xoxp-SECRET-VALUE-123", "SECRET-VALUE")


def test_an_app_token_of_the_wrong_kind_is_rejected_without_showing_it(
    valid_env: pytest.MonkeyPatch,
) -> None:
    valid_env.setenv("SLACK_APP_TOKEN", "xoxb-APP-SECRET-456")
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_APP_TOKEN")
    assert_not_shown(error, "xoxb-APP-SECRET-456", "APP-SECRET")


def test_a_malformed_reminder_delay_is_rejected_without_showing_it(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_REMINDER_AFTER", "tomorrow-SECRET-789")
    error = problems_of()
    assert_one_line_per_problem(error, "MSI_REMINDER_AFTER")
    assert_not_shown(error, "tomorrow", "SECRET-789")


def test_a_zero_sweep_interval_is_rejected(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("MSI_SWEEP_EVERY", "0s")
    assert_one_line_per_problem(problems_of(), "MSI_SWEEP_EVERY")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://msi:DB-SECRET-PW@db.example/msi",
        "not a url DB-SECRET-PW",
        "postgresql+psycopg://msi:pa@ss:DB-SECRET-PW@db.example/msi",
        "postgresql+psycopg://msi@db.example:DB-SECRET-PW/msi",
    ],
)
def test_a_bad_database_url_is_rejected_without_showing_any_of_it(
    valid_env: pytest.MonkeyPatch, url: str
) -> None:
    valid_env.setenv("DATABASE_URL", url)
    error = problems_of()
    assert_one_line_per_problem(error, "DATABASE_URL")
    assert_not_shown(error, "DB-SECRET-PW", "db.example")


def test_a_postgresql_database_url_is_accepted(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("DATABASE_URL", "postgresql+psycopg://msi:pw@db.example:5432/msi")
    assert load_settings().database_url == "postgresql+psycopg://msi:pw@db.example:5432/msi"


def test_a_port_that_is_not_a_number_is_rejected_without_showing_it(valid_env: pytest.MonkeyPatch) -> None:
    valid_env.setenv("PORT", "http-SECRET-PORT")
    error = problems_of()
    assert_one_line_per_problem(error, "PORT")
    assert_not_shown(error, "SECRET-PORT")


def test_several_problems_are_reported_at_once_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-SECRET-VALUE-123")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("MSI_REMINDER_AFTER", "1x")
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    monkeypatch.setenv("SLACK_API_URL", "ftp://slack.example/api")
    error = problems_of()
    assert_one_line_per_problem(error, "SLACK_BOT_TOKEN", "MSI_REMINDER_AFTER", "LOG_LEVEL", "SLACK_API_URL")
    assert_not_shown(error, "SECRET-VALUE", "chatty", "ftp://")


def test_the_api_url_gets_a_trailing_slash_and_its_host_may_receive_the_token(
    valid_env: pytest.MonkeyPatch,
) -> None:
    valid_env.setenv("SLACK_API_URL", "http://127.0.0.1:8123/api")
    valid_env.setenv("SLACK_FILE_HOSTS", " Files.Slack.com , files-edge.slack.com")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:8123/api/"
    assert settings.token_hosts == frozenset({"127.0.0.1:8123", "files.slack.com", "files-edge.slack.com"})


def test_a_dotenv_file_in_the_working_directory_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Path.cwd() == tmp_path
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET=from-dotenv-secret\nMSI_SEATS=250\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == "from-dotenv-secret"
    assert settings.msi_seats == 250


def test_the_environment_wins_over_the_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET=from-dotenv-secret\nMSI_SEATS=250\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "from-environment-secret")
    monkeypatch.setenv("MSI_SEATS", "40")
    settings = load_settings()
    assert settings.slack_signing_secret is not None
    assert settings.slack_signing_secret.get_secret_value() == "from-environment-secret"
    assert settings.msi_seats == 40


def test_a_bad_token_in_the_dotenv_file_is_rejected_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxp-SECRET-VALUE-123\nSLACK_SIGNING_SECRET=s3cr3t\n", encoding="utf-8"
    )
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert_one_line_per_problem(caught.value, "SLACK_BOT_TOKEN")
    assert_not_shown(caught.value, "SECRET-VALUE")
