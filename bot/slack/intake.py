"""Request intake shared by HTTP and Socket Mode: what happens to a signed, well-formed request before Bolt
matches it to a listener.

The HTTP front door (bot/slack/server.py) checks the signature, the size and the shape, then hands the
request to Bolt; Socket Mode hands Bolt what arrives on its socket. Both reach these middlewares first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.platform.clicks import ClickQueue

logger = logging.getLogger(__name__)


class RequireAUser(Middleware):
    """Clicks and modal submissions act for a person: one without a user id is refused untouched.

    A Middleware subclass rather than a function given to `app.middleware`: Bolt builds every possible
    listener argument before each call of a function middleware, which cost more than this check."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") in ("block_actions", "view_submission", "view_closed"):
            user = body.get("user")
            if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
                return BoltResponse(status=400, body="")
        return next()


class DeferredClicks(Middleware):
    """Clicks of the buttons registered with the click queue (the one table of deferred buttons, filled by
    handlers/actions.py) are stored and acknowledged here, before listener matching; the click worker acts
    on them. Any other request, and a click its button's `store_when` keeps (Mark done that needs a reason
    typed in a modal first), goes on to the listeners."""

    def __init__(self, clicks: ClickQueue):
        self.clicks = clicks

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if not self.clicks.wants(req.body):
            return next()
        if not self.clicks.accept(req.body):
            # A value no button of ours carries (forged, or from a message this bot never sent): nothing to
            # act on, and nothing is stored. Acknowledged all the same, as Slack expects of every click.
            logger.info("a click of %s with an unexpected value was ignored", _action_of(req))
        # An exception (the database is down) goes to the app's error handler: a 500, so Slack tells the
        # person the click did not work, rather than a lost click acknowledged as if stored.
        return BoltResponse(status=200, body="")


def _action_of(req: BoltRequest) -> str:
    try:
        return str(req.body["actions"][0]["action_id"])[:60]
    except (KeyError, IndexError, TypeError):
        return "a button"
