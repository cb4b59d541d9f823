"""The bot token scopes manifest.yml asks for: what `doctor` expects Slack to have granted.

Kept here, not read from manifest.yml at run time, because an installed package does not carry the
repository's manifest; tests/slack/test_manifest.py keeps the two equal.
"""

from __future__ import annotations

BOT_SCOPES: frozenset[str] = frozenset(
    {
        "commands",
        "chat:write",
        "im:write",
        "files:read",
        "files:write",
        "channels:history",
        "groups:history",
        "im:history",
        "users:read",
        "usergroups:read",
        "channels:read",
        "groups:read",
        "channels:join",
    }
)
