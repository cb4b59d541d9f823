"""`msi-bot run`: validate settings (exit 2 on problems), configure logging, run until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import sys

from bot.config import SettingsError, load_settings
from bot.platform import logs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="msi-bot", description="Runs the MSI Actions rollout bot for Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (HTTP mode, or Socket Mode when SLACK_APP_TOKEN is set)")
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
            for problem in error.problems:
                print(f"msi-bot: {problem}", file=sys.stderr)
            return 2
        logs.configure(settings.log_level, settings.secrets())

        from bot.runtime import run

        return run(settings)
    if arguments.command == "playground":
        # Imported here: `msi-bot run` never loads the emulator.
        from playground.launcher import run as run_playground

        try:
            return run_playground(arguments.port, arguments.database)
        except SettingsError as error:
            for problem in error.problems:
                print(f"msi-bot: {problem}", file=sys.stderr)
            return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
