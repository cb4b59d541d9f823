"""Action, callback and block ids: shared by the Block Kit builders and the listener registrations."""

import re

COMMAND = "/msi"


def one_of_many(action_id: str, value: str) -> str:
    """The action id of one of several like buttons in one block (Reopen step 1, Reopen step 3): Slack
    refuses a message or view whose block repeats an action id, so each carries its value after a dot."""
    return f"{action_id}.{value}"


def base_action(action_id: str) -> str:
    """The button an action id names, with one_of_many's suffix taken off."""
    return action_id.split(".", 1)[0]


def action_pattern(action_id: str) -> re.Pattern[str]:
    """What a listener matches: the button's own id, and the same id made one of many."""
    return re.compile(rf"^{re.escape(action_id)}(\.[0-9]{{1,11}})?$")


def database_id(text: str) -> int | None:
    """The database id a button value, menu option or modal's metadata carries: ASCII digits only (int()
    also reads "٣" and str.isdigit() also passes "²"), short enough for a 64-bit column; None for anything
    else, which only a forged or mangled payload sends."""
    return int(text) if 0 < len(text) < 12 and text.isascii() and text.isdigit() else None


# views
START_VIEW = "msi_start_rollout"

# blocks and actions of the Start a rollout modal
START_NAME = "name"
START_ENVIRONMENT = "environment"
START_MARKETO_ADMINS = "marketo_admins"
START_SALESFORCE_ADMINS = "salesforce_admins"
# The user groups chosen for each persona, beside its people (bot/slack/usergroups.py).
START_MARKETO_GROUPS = "marketo_groups"
START_SALESFORCE_GROUPS = "salesforce_groups"
START_MARKETO_CHANNEL = "marketo_channel"
START_SALESFORCE_CHANNEL = "salesforce_channel"
START_PREREQUISITES = "prerequisites"
START_LANGUAGE = "language"
PREREQUISITE_ENABLED = "actions_enabled"
PREREQUISITE_SYNC = "crm_sync"

# buttons on step messages; the value carries the step's database id
STEP_DONE = "msi_step_done"
STEP_HELP = "msi_step_help"
STEP_RESOLVE = "msi_step_resolve"

# the Need help and Reopen modals; private_metadata carries the step id
HELP_VIEW = "msi_step_help_view"
HELP_PROBLEM = "problem"
REOPEN_VIEW = "msi_step_reopen_view"
REOPEN_REASON = "reason"

# the Edit rollout modal; private_metadata carries the rollout id
EDIT_VIEW = "msi_edit_rollout"
# The rollout's own non-working dates, one date or date range per line.
EDIT_OFF_DATES = "off_dates"

# approval requests; the value carries the approval's database id
APPROVE = "msi_approval_approve"
REJECT = "msi_approval_reject"
REJECT_VIEW = "msi_approval_reject_view"
REJECT_REASON = "reason"

# invitation batches and CSV drafts; values carry database ids
BATCH_SENT = "msi_batch_sent"
BATCH_CANCEL = "msi_batch_cancel"
DRAFT_REQUEST = "msi_draft_request"
DRAFT_MAPPING = "msi_draft_mapping"
DRAFT_CANCEL = "msi_draft_cancel"
DRAFT_ROLLOUT = "msi_draft_rollout"
DRAFT_REPORT = "msi_draft_report"
MAPPING_VIEW = "msi_draft_mapping_view"

# reminders; the value is "step:<id>" or "approval:<id>"
SNOOZE = "msi_reminder_snooze"

# Salesforce verification of steps 6 and 7; the value carries the step id
VERIFY = "msi_step_verify"
OVERRIDE_VIEW = "msi_step_override_view"
OVERRIDE_REASON = "reason"

# App Home
HOME_START = "msi_home_start"
HOME_EDIT = "msi_home_edit"
HOME_CANCEL = "msi_home_cancel"
HOME_REOPEN = "msi_home_reopen"
HOME_PAUSE = "msi_home_pause"
HOME_RESUME = "msi_home_resume"
