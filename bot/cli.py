"""`msi-bot run`: validate settings (exit 2 on problems), configure logging, run until SIGTERM/SIGINT.
`msi-bot playground` runs the same bot against a local Slack emulator (playground/), loaded only then.

`msi-bot export` and `msi-bot erase` answer data requests from the database alone (no Slack settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.config import SettingsError, load_data_settings, load_settings
from bot.platform import logs

if TYPE_CHECKING:
    from bot.config import Settings
    from storage.db import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="msi-bot", description="Runs the MSI Actions rollout bot for Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (HTTP mode, or Socket Mode when SLACK_APP_TOKEN is set)")
    commands.add_parser(
        "doctor", help="check the deployment (token, scopes, channels, people, Salesforce, database, outbox)"
    )
    export = commands.add_parser(
        "export", help="write one rollout's whole record (steps, approvals, batches, invitees, audit) as JSON"
    )
    export.add_argument("--rollout", required=True, metavar="NAME", help="the rollout's name")
    erase = commands.add_parser(
        "erase", help="remove one person's address from everything the bot keeps, with an audit row"
    )
    erase.add_argument("--email", required=True, metavar="ADDRESS", help="the address to remove")
    playground = commands.add_parser(
        "playground", help="try the bot without a Slack workspace: a local Slack in the browser"
    )
    playground.add_argument("--port", type=int, default=3000, help="port of the page (default 3000; 0: any)")
    playground.add_argument(
        "--database", default="msi-playground.db", help="the playground's SQLite file (Reset empties it)"
    )
    arguments = parser.parse_args(argv)

    if arguments.command == "run":
        try:
            settings = load_settings()
        except SettingsError as error:
            return _settings_problems(error)
        logs.configure(settings.log_level, settings.secrets(), log_format=settings.log_format)

        from bot.runtime import run

        return run(settings)
    if arguments.command == "doctor":
        try:
            settings = load_settings()
        except SettingsError as error:
            return _settings_problems(error)
        logs.configure("WARNING", settings.secrets(), log_format=settings.log_format)
        return _doctor(settings)
    if arguments.command in ("export", "erase"):
        return _data_command(arguments)
    if arguments.command == "playground":
        # Imported here: `msi-bot run` never loads the emulator.
        from playground.launcher import run as run_playground

        try:
            return run_playground(arguments.port, arguments.database)
        except SettingsError as error:
            return _settings_problems(error)
    return 2


def _doctor(settings: Settings) -> int:
    """One line per check on stdout, in English (the service's operator reads it); exit 0 when all pass."""
    from bot.app import slack_client
    from bot.doctor.service import Doctor
    from bot.doctor.terminal import doctor_report
    from bot.steps.salesforce import SalesforceClient
    from bot.texts import Texts
    from storage.db import Database

    database = Database(settings.database_url)
    salesforce = {
        environment: SalesforceClient(credentials)
        for environment, credentials in settings.salesforce_orgs().items()
    }
    try:
        doctor = Doctor(database, slack_client(settings, timeout=10), salesforce, lambda: datetime.now(UTC))
        findings = doctor.examine()
    finally:
        for client in salesforce.values():
            client.close()
        database.dispose()
    passed = all(finding.ok for finding in findings)
    for line in doctor_report(Texts.of("en"), findings):
        print(line)
    return 0 if passed else 1


def _settings_problems(error: SettingsError) -> int:
    for problem in error.problems:
        print(f"msi-bot: {problem}", file=sys.stderr)
    return 2


def _data_command(arguments: argparse.Namespace) -> int:
    """Export or erase, against the database at the schema this version knows; never migrates it (that is
    `msi-bot run`'s job, with every process of the deployment at the same version)."""
    try:
        settings = load_data_settings()
    except SettingsError as error:
        return _settings_problems(error)
    logs.configure("WARNING", [])

    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import Database

    database = Database(settings.database_url)
    try:
        return _answer_data_request(arguments, database)
    except SQLAlchemyError as error:
        # The class only: a driver's message can quote the URL's host or user.
        print(
            f"msi-bot: the database did not answer ({type(error).__name__}); check DATABASE_URL and that "
            "the database is running",
            file=sys.stderr,
        )
        return 1
    finally:
        database.dispose()


def _answer_data_request(arguments: argparse.Namespace, database: Database) -> int:
    from bot.records.service import RecordService
    from storage import migrate

    current, head = migrate.current_and_head(database)
    if current != head:
        print(
            f"msi-bot: the database is at schema {current or 'none'}, this version needs {head}: "
            "start `msi-bot run` of this version once (it upgrades the schema), then try again",
            file=sys.stderr,
        )
        return 1
    records = RecordService(database)
    if arguments.command == "export":
        record, others = records.export(name=arguments.rollout)
        if record is None:
            print(f"msi-bot: no rollout is called {arguments.rollout!r}", file=sys.stderr)
            return 1
        if others:
            print(
                f"msi-bot: {others} older rollout(s) share this name; this is the "
                f"{record['rollout']['status']} one started {record['rollout']['created_at']}",
                file=sys.stderr,
            )
        json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    erasure = records.erase_address(arguments.email, now=datetime.now(UTC))
    total = erasure.total
    if not total.any():
        print("msi-bot: the address is not in the database; nothing changed", file=sys.stderr)
        return 0
    changed = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in total.as_details().items())
    print(f"erased: {changed}; audited in {len(erasure.by_rollout)} place(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
