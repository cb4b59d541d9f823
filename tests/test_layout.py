"""The layout rules of README "How the code is laid out", checked on every module's imports.

- a domain (bot/rollouts, bot/steps, …) may use the shared folders, storage and other domains' services,
  never another domain's builders (`blocks`);
- the shared folders (bot/slack, bot/platform, bot/texts) know no domain;
- storage knows neither Slack nor the bot;
- handlers stay thin: they do not touch the database directly.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOMAINS = (
    "rollouts",
    "steps",
    "approvals",
    "invitations",
    "uploads",
    "reminders",
    "reports",
    "records",
    "doctor",
)
SHARED = ("slack", "platform", "texts")


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def modules_under(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


def violations(paths: list[Path], forbidden: Callable[[Path, str], bool]) -> list[str]:
    found = []
    for path in paths:
        for line, module in imported_modules(path):
            if forbidden(path, module):
                found.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return found


def domain_of(path: Path) -> str | None:
    parts = path.relative_to(REPO).parts
    return parts[1] if len(parts) > 2 and parts[0] == "bot" and parts[1] in DOMAINS else None


def test_the_layout_has_one_folder_per_domain_and_the_shared_folders() -> None:
    for folder in (*DOMAINS, *SHARED):
        assert (REPO / "bot" / folder / "__init__.py").is_file(), folder
    flat = sorted(p.name for p in (REPO / "bot").glob("*.py"))
    assert flat == ["__init__.py", "app.py", "cli.py", "config.py", "runtime.py", "services.py"]


def test_a_domain_never_imports_another_domains_builders() -> None:
    def forbidden(path: Path, module: str) -> bool:
        parts = module.split(".")
        return (
            len(parts) >= 3
            and parts[0] == "bot"
            and parts[1] in DOMAINS
            and parts[2] == "blocks"
            and parts[1] != domain_of(path)
        )

    assert violations(modules_under("bot"), forbidden) == []


@pytest.mark.parametrize("shared", SHARED)
def test_the_shared_folders_know_no_domain(shared: str) -> None:
    def forbidden(_path: Path, module: str) -> bool:
        parts = module.split(".")
        return len(parts) >= 2 and parts[0] == "bot" and parts[1] in DOMAINS

    assert violations(modules_under(f"bot/{shared}"), forbidden) == []


def test_storage_knows_neither_slack_nor_the_bot() -> None:
    def forbidden(_path: Path, module: str) -> bool:
        return module.split(".")[0] in ("bot", "handlers", "slack_sdk", "slack_bolt")

    assert violations(modules_under("storage"), forbidden) == []


def test_handlers_reach_the_database_only_through_services() -> None:
    def forbidden(_path: Path, module: str) -> bool:
        return module.split(".")[0] in ("sqlalchemy", "sqlmodel") or module.startswith(
            ("storage.db", "storage.models", "storage.queries")
        )

    assert violations(modules_under("handlers"), forbidden) == []


def builders() -> list[Path]:
    return [
        *sorted((REPO / "bot").glob("*/blocks.py")),
        REPO / "bot/steps/labels.py",
        REPO / "bot/slack/blockkit.py",
    ]


def test_builders_take_their_texts_as_a_texts_object_and_pick_no_language() -> None:
    """The renders bind the reader's language once (`Texts.of`); a builder that reached for the catalog
    itself (`bot.texts.text`, DEFAULT_LANGUAGE) would show the default language whatever the reader's."""
    found = []
    for path in builders():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.name.startswith("bot.texts")]
            elif isinstance(node, ast.ImportFrom) and node.module == "bot":
                names = [f"bot.{alias.name}" for alias in node.names if alias.name == "texts"]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.texts"):
                names = [f"{node.module}.{alias.name}" for alias in node.names if alias.name != "Texts"]
            else:
                continue
            found += [f"{path.relative_to(REPO)}:{node.lineno} imports {name}" for name in names]
    assert found == []


def test_the_bot_never_imports_the_playground() -> None:
    """The emulator is never part of `msi-bot run`: only bot/cli.py's `playground` command loads it."""

    def forbidden(path: Path, module: str) -> bool:
        return module.split(".")[0] == "playground" and path != REPO / "bot" / "cli.py"

    paths = modules_under("bot") + modules_under("handlers") + modules_under("storage")
    assert violations(paths, forbidden) == []


def test_the_playground_uses_the_bot_only_to_start_it_as_msi_bot_run_does() -> None:
    # bot.slack.scopes: the scopes the emulated install grants are the ones the app's manifest asks for.
    allowed = ("bot.config", "bot.runtime", "bot.platform.logs", "bot.slack.server", "bot.slack.scopes")

    def forbidden(_path: Path, module: str) -> bool:
        if module.split(".")[0] == "handlers" or module.split(".")[0] == "storage":
            return True
        return module.split(".")[0] == "bot" and not module.startswith(allowed) and module != "bot.platform"

    assert violations(modules_under("playground"), forbidden) == []
