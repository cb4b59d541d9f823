"""Slack's side: Block Kit primitives, mrkdwn formatting, ids, the HTTP server, file downloads and directory
look-ups."""
