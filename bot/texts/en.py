"""The English texts, keyed by message id. Values are `str.format` templates."""

from __future__ import annotations

EN: dict[str, str] = {
    # ---- personas, states, environments
    "persona.marketo_admin": "Marketo admin",
    "persona.salesforce_admin": "Salesforce admin",
    "persona.either": "{first} or {second}",
    "state.locked": "Locked",
    "state.open": "Open",
    "state.awaiting_approval": "Awaiting approval",
    "state.approved": "Approved",
    "state.done": "Done",
    "state.blocked": "Blocked",
    "state.cancelled": "Cancelled",
    "environment.production": "Production",
    "environment.sandbox": "Sandbox",
    # ---- /msi help and unknown commands
    "help.title": "*MSI Actions rollout bot*: tracks the seven setup steps of Marketo Sales Insight Actions.",
    "help.usage": (
        "`/msi start`: start a rollout (opens a form)\n"
        "`/msi status [rollout]`: progress of a rollout, or of all of them\n"
        "`/msi list`: the active rollouts\n"
        "`/msi invite EMAILS`: request MSI Actions invitations for these addresses\n"
        "`/msi audit [rollout]`: the rollout's audit trail as a CSV file\n"
        "`/msi doctor`: check the bot's set-up and connections (owners and admins)\n"
        "`/msi help`: this message\n"
        "Upload a CSV of users in a rollout's channel, or in a direct message with me, to request invitations.\n"
        "The App Home tab shows every rollout; owners edit or cancel theirs there."
    ),
    "help.unknown": "I don't know the command `{command}`. Here is what I can do:",
    # ---- the Start a rollout modal
    "start.title": "Start a rollout",
    "start.submit": "Start",
    "start.close": "Cancel",
    "start.intro": (
        "A rollout tracks one MSI Actions setup for one Marketo instance. I'll post each step in the "
        "channel of the people who must do it."
    ),
    "start.name.label": "Rollout name",
    "start.name.placeholder": "e.g. Production",
    "start.name.hint": "Unique among active rollouts. You'll use it in commands such as /msi status.",
    "start.environment.label": "Environment",
    "start.language.label": "Language of the channel posts",
    "start.language.hint": "Step cards, approval requests, reminders and the Marketo admins' tasks are posted in this language. Private answers follow each reader's Slack language.",
    "language.ja": "日本語",
    "language.en": "English",
    "start.marketo_admins.label": "Marketo admins",
    "start.marketo_admins.hint": "They do steps 1 to 5 in the Marketo admin channel.",
    "start.salesforce_admins.label": "Salesforce admins",
    "start.salesforce_admins.hint": "They do steps 6 and 7, can do step 2, and approve what touches Salesforce.",
    "start.marketo_channel.label": "Marketo admin channel",
    "start.salesforce_channel.label": "Salesforce admin channel",
    "start.prerequisites.label": "Before you start",
    "start.prerequisite.enabled": "Adobe has confirmed that MSI Actions is enabled for our Marketo subscription",
    "start.prerequisite.enabled.hint": "Ask your Adobe account team, or Marketo Support if you have none.",
    "start.prerequisite.sync": "The Marketo and Salesforce sync is set up",
    "start.error.prerequisites": "Both must be true before the setup can start: tick both once they are.",
    "start.error.language": "Choose 日本語 or English.",
    "start.error.name_empty": "Give the rollout a name.",
    "start.error.name_too_long": "Keep the name to {limit} characters or fewer.",
    "start.error.name_taken": "An active rollout is already called “{name}”. Pick another name.",
    "start.error.environment": "Choose Production or Sandbox.",
    "start.error.no_admins": "Pick at least one person.",
    "start.error.no_admins_or_groups": "Pick at least one person, or a user group below.",
    "start.error.bots": "Pick people, not apps or bots.",
    "start.error.channel_missing": "Pick a channel.",
    "start.error.same_channel": "Use two different channels: one for Marketo admins, one for Salesforce admins.",
    "start.error.channel_private": (
        "I'm not in this private channel. Type /invite @MSI Rollouts in it, then submit again."
    ),
    "start.error.channel_archived": "This channel is archived. Pick an active channel.",
    "start.error.channel_not_found": "I can't see this channel. Pick another one, or invite me to it.",
    "start.error.channel_external": "Pick a channel of this workspace, not one shared with another organisation.",
    "start.error.channel_join_failed": (
        "I couldn't join this channel ({error}). Invite me with /invite @MSI Rollouts, then submit again."
    ),
    "start.error.slack_unavailable": "Slack didn't answer in time while I checked this channel. Submit again.",
    "start.confirmed": (
        "Rollout *{name}* ({environment}) has started. I posted step 1 in {marketo_channel} and step 6 in "
        "{salesforce_channel}. Use `/msi status {name}` to follow it."
    ),
    "start.warning.not_member.one": "Heads-up: {users} is not in {channel}, where their steps are posted.",
    "start.warning.not_member.many": "Heads-up: {users} are not in {channel}, where their steps are posted.",
    # ---- step messages
    "step.header": "Step {number} of {total}: {title}",
    "step.rollout_line": "Rollout *{rollout}* ({environment}) · {persona}",
    "step.checklist.heading": "*What to do*",
    "step.hints.heading": "*Tips and troubleshooting*",
    "step.state_line.open": ":large_blue_circle: Open since {when}",
    "step.state_line.done": ":white_check_mark: Done by {who} {when}",
    "step.button.done": "Mark done",
    "step.button.help": "Need help",
    "step.confirm.title": "Mark step {number} done?",
    "step.confirm.text": "Confirm that “{title}” is finished. Everyone following the rollout will see it.",
    "step.confirm.yes": "Mark done",
    "step.confirm.no": "Not yet",
    "step.fallback": "Step {number}: {title} ({state})",
    # ---- the seven steps: titles, checklists (one item per line) and hints (one per line)
    "step.1.title": "Set up the Marketo Sales account",
    "step.1.checklist": (
        "In Marketo, open Admin › Sales Insight › Actions Config.\n"
        "Pick the Marketo admins who should get access to the Marketo Sales account.\n"
        "Click Send Invite: each of them gets an email that explains how to sign in.\n"
        "Later users are added from the Sales account's User Management, not from Marketo."
    ),
    "step.1.hints": (
        "No Client ID or Client Secret on the Integration Information card? The instance isn't activated "
        "yet: invite the first user, then look again."
    ),
    "step.2.title": "Connect the Marketo Sales account to Salesforce",
    "step.2.checklist": (
        "In the Marketo Sales account, open the gear menu › Settings › Admin Settings › Salesforce.\n"
        "On the Connections & Customizations tab, click Connect, then OK.\n"
        "If you're already signed in to Salesforce it connects at once; otherwise sign in when asked."
    ),
    "step.2.hints": (
        "Your org has a custom Salesforce domain? Sign in to Salesforce in the same browser first.\n"
        "Diagnostics shows AUTHENTICATION_FAILURE, EXPIRED_ACCESS or INACTIVE_USER: disconnect, then "
        "connect again.\n"
        "INVALID_GRANT with “ip restricted”: a Salesforce admin must allowlist the Actions IP addresses.\n"
        "API_CURRENTLY_DISABLED: the Salesforce user who connects needs API access.\n"
        "REQUEST_LIMIT_EXCEEDED: the org has reached its API limits; wait or raise them."
    ),
    "step.3.title": "Connect the Marketo Sales account to Marketo",
    "step.3.checklist": (
        "In the Marketo Sales account, open the gear menu › Settings › Admin Settings › Marketo.\n"
        "Click Connect."
    ),
    "step.3.hints": (
        "It won't connect? Copy the credentials from Marketo's Admin › Sales Insight › Actions Config tab "
        "into the Sales account's Set Up tab.\n"
        "The connection belongs to the admin who clicked Connect. Handing it to another admin has to "
        "follow Adobe's order for connecting a new admin."
    ),
    "step.4.title": "Start the data sync",
    "step.4.checklist": (
        "In Marketo, open Admin › Sales Insight › Actions Config.\n"
        "On the Action Field Sync card, click Sync.\n"
        "Review the preview of the synced fields, then click Start Sync."
    ),
    "step.4.hints": (
        "Only people who exist in both Marketo and Salesforce, and only leads and contacts with a sales "
        "owner, are synced.\n"
        "The synced fields are fixed (13 of them). Duplicates in Marketo stay duplicates.\n"
        "The first sync takes about 1 to 2 minutes per 1,000 people.\n"
        "Once the sync has started, never remove the first user invited to the Actions instance."
    ),
    "step.5.title": "Invite users to MSI Actions",
    "step.5.checklist": (
        "In the Sales account, open the gear menu › Settings › Admin Settings › User Management › Actions.\n"
        "One at a time: Invite Users, enter the email addresses, Invite.\n"
        "Or all at once: Invite Users via CSV, choose the file, Next, check the field mapping, Invite.\n"
        "Wait for the confirmation message."
    ),
    "step.5.hints": (
        "New users join the Everyone team; you can pick teams and the Marketo workspace (Default when "
        "there is only one).\n"
        "To make someone an admin, change their Role.\n"
        "An instance has 100 user seats and at most 20 teams.\n"
        "An email address can belong to only one Actions instance, sandbox and production together.\n"
        "Collect the addresses with `/msi invite` or by uploading a CSV here: the Salesforce admins "
        "approve them and I hand you the list."
    ),
    "step.6.title": "Install or upgrade the MSI package in Salesforce",
    "step.6.checklist": (
        "Open the <https://appexchange.salesforce.com/listingDetail?listingId=a0N30000001SVZmEAO|Marketo "
        "Sales Insight listing on AppExchange> and click Get It Now.\n"
        "Choose Install in Production (or Sandbox), then who gets access: Admins Only, All Users or "
        "Specific Profiles.\n"
        "Check that Marketo Sales Insight appears under Setup › Installed Packages and that each of its "
        "objects is Deployed."
    ),
    "step.6.hints": (
        "Upgrading? The package no longer grants standard-object permissions: MSI users' profiles need "
        "Read on Lead, Contact, Account and Opportunity.\n"
        "Try an upgrade on a sandbox first.\n"
        "The “Marketo App Access” permission set needs package version 1.8000 or later."
    ),
    "step.7.title": "Configure MSI Actions in Salesforce",
    "step.7.checklist": (
        "Setup › Remote Site Settings › New: add https://ims-na1.adobelogin.com\n"
        "Add a second one for https://mkto-sales-connect.adobe.io\n"
        "Open the Marketo Sales Insight Config tab, tick Enable MSI Actions, enter the API Secret Key, Save."
    ),
    "step.7.hints": (
        "The API Secret Key is set in Marketo under Admin › Sales Insight › Edit API Configuration, and it "
        "must not contain “&”.\n"
        "Governance settings can switch off Sales Campaigns, the Task tab or single features for everyone."
    ),
    # ---- step message states and notes
    "step.state_line.blocked": ":warning: Blocked since {when}: {who} needs help: “{problem}”",
    "step.state_line.cancelled": ":no_entry: This rollout was cancelled {when} by {who}. Nothing more to do here.",
    "step.state_line.moved": ":arrow_right: This step has moved to {channel}.",
    "step.note.reopened": ":leftwards_arrow_with_hook: Reopened by {who} {when}: “{reason}”",
    "step.button.resolve": "Resolve",
    # ---- refusals and answers to clicks (private)
    "deny.step_persona": "Only the rollout's {persona} can mark step {number} done. Nothing was changed.",
    "deny.step_help": "Only the rollout's {persona} or its owner can ask for help on step {number}.",
    "deny.step_resolve": "Only the rollout's {persona} or its owner can clear the blocked flag of step {number}.",
    "deny.step_reopen": "Only the rollout's {persona} or its owner can reopen step {number}.",
    "deny.owner_only": "Only the owner of rollout *{rollout}* ({owner}) can do that.",
    "deny.rollout_gone": "This rollout no longer exists or has been cancelled, so it can't be edited.",
    "deny.rollout_cancelled": "Rollout *{rollout}* has been cancelled; its steps can no longer change.",
    "deny.step_gone": "I can't find this step any more. Use `/msi status` to see where things are.",
    "answer.click_failed": (
        "Sorry, I couldn't act on your click: something went wrong on my side. Please click again in a "
        "minute; if it keeps failing, tell the rollout owner."
    ),
    "answer.step_already_done": "Step {number} was already marked done by {who} {when}.",
    "answer.step_locked": "Step {number} can't be done yet: it waits for step(s) {needs}.",
    "answer.step_not_blocked": "Step {number} isn't blocked any more.",
    "answer.step_not_done": "Step {number} isn't done, so there is nothing to reopen.",
    "answer.step_done": "Step {number} is done. Thanks!",
    # ---- Need help modal and owner notice
    "help_modal.title": "Need help",
    "help_modal.submit": "Flag as blocked",
    "help_modal.close": "Cancel",
    "help_modal.intro": "*Step {number}: {title}*\nThese usually solve it:",
    "help_modal.problem.label": "What's wrong?",
    "help_modal.problem.placeholder": "What did you try, and what happened? Error messages help.",
    "help_modal.error.empty": "Describe the problem so the others can help.",
    "notice.step_blocked": "{who} flagged step {number} ({title}) of rollout *{rollout}* as blocked: “{problem}”. See {channel}.",
    # ---- Reopen modal
    "reopen_modal.title": "Reopen step",
    "reopen_modal.submit": "Reopen",
    "reopen_modal.close": "Cancel",
    "reopen_modal.intro": "Step {number}: {title} goes back to open. Steps that came after it keep their state.",
    "reopen_modal.reason.label": "Why reopen it?",
    "reopen_modal.error.empty": "Give a reason: everyone following the step will see it.",
    # ---- /msi status and /msi list
    "status.title": "*{rollout}* ({environment}) · owner {owner}",
    "status.progress": "{bar}  {done}/{total} steps done",
    "status.step_line": "{icon} *{number}. {title}*: {state}",
    "status.step_detail.done": "done by {who} {when}",
    "status.step_detail.open": "open since {when}",
    "status.step_detail.since": "{state} {when}",
    "status.step_detail.blocked": "blocked since {when} ({who}: “{problem}”)",
    "status.step_detail.locked": "waits for step(s) {needs}",
    "status.none": "There is no active rollout. Start one with `/msi start`.",
    "status.not_found": "There is no active rollout called “{name}”. Active rollouts: {names}.",
    "status.not_found_none": "There is no active rollout called “{name}”, and none is active. Start one with `/msi start`.",
    "status.several_here": "Several rollouts use this channel. Add the name, e.g. `/msi status {example}`:",
    "status.line": "*{rollout}* ({environment}): {bar} {done}/{total}",
    "list.title": "*Active rollouts*",
    "list.line": "• *{rollout}* ({environment}) · {bar} {done}/{total} · owner {owner} · {marketo_channel} / {salesforce_channel}",
    # ---- /msi audit
    "audit.sending": "I'm sending you the audit trail of *{rollout}* as a CSV file in a direct message.",
    "audit.title": "Audit trail: {rollout}",
    "audit.comment": "Audit trail of rollout *{rollout}*, {count} entries.",
    "audit.denied": "Only the owner and the admins of rollout *{rollout}* can read its audit trail.",
    "audit.pick": "Which rollout's audit trail do you want? Add its name, e.g. `/msi audit {example}`. Active: {names}.",
    # ---- App Home
    "home.title": "*MSI Actions rollouts*",
    "home.intro": "Every active rollout and where it stands. Steps are posted in the Marketo and Salesforce admin channels.",
    "home.start": "Start a rollout",
    "home.welcome.title": "Welcome to the MSI Actions rollout bot",
    "home.welcome.body": (
        "I turn the setup of Marketo Sales Insight Actions into tracked work in Slack:\n"
        "• each of the seven setup steps goes to the channel of the admins who must do it, Marketo or Salesforce\n"
        "• the Salesforce admins approve with a button what touches their org\n"
        "• the sales users are invited with `/msi invite` or a CSV file uploaded in a rollout's channel\n"
        "• I remind people of what waits on them\n"
        "Start a rollout to post its first steps."
    ),
    "home.welcome.help": "Type `/msi help` for every command.",
    "home.rollout": "*{rollout}* ({environment}) · owner {owner}\n{bar} {done}/{total} steps done · {marketo_channel} / {salesforce_channel}",
    "home.steps": "{lines}",
    "home.edit": "Edit",
    "home.cancel": "Cancel rollout",
    "home.reopen": "Reopen step {number}",
    "home.cancel.confirm.title": "Cancel this rollout?",
    "home.cancel.confirm.text": "Rollout “{rollout}” stops: no more steps, reminders or approvals. Its name becomes free again. This can't be undone.",
    "home.cancel.confirm.yes": "Cancel rollout",
    "home.cancel.confirm.no": "Keep it",
    "home.more_rollouts": "…and {count} more rollouts: use `/msi list`.",
    # ---- Edit modal
    "edit.title": "Edit rollout",
    "edit.submit": "Save",
    "edit.intro": "Change who does the steps of *{rollout}* and where they are posted. Open steps move to a changed channel.",
    "edit.done": "Rollout *{rollout}* was updated.",
    "notice.cancelled": "Rollout *{rollout}* was cancelled by {who}.",
    # ---- approvals (SPEC section 4)
    "approval.header": "Approval needed",
    "approval.subject_line": "*{rollout}* ({environment}) · {subject}",
    "approval.asked": "Asked by {who} {when}.",
    "approval.why.step.2": "Marking this done connects the Marketo Sales account to your Salesforce org. Approve if that connection may be made; the Marketo admin then finishes the step.",
    "approval.why.step.4": "The data sync copies leads and contacts that have a sales owner from Salesforce into MSI Actions. Approve if the sync may start; the Marketo admin then starts it and marks the step done.",
    "approval.subject.step": "Step {number} of {total}: {title}",
    "approval.button.approve": "Approve",
    "approval.button.reject": "Reject",
    "approval.confirm.title": "Approve this request?",
    "approval.confirm.text": "{subject} for rollout “{rollout}”. The requester will be told.",
    "approval.confirm.yes": "Approve",
    "approval.confirm.no": "Not yet",
    "approval.outcome.approved": ":white_check_mark: Approved by {who} {when}",
    "approval.outcome.rejected": ":x: Rejected by {who} {when}: “{reason}”",
    "approval.outcome.cancelled": ":heavy_minus_sign: No longer needed: {who} completed it {when}",
    "approval.outcome.withdrawn": ":heavy_minus_sign: Withdrawn {when}: the rollout was cancelled",
    "approval.fallback": "Approval needed: {subject} ({rollout})",
    "approval.deny.persona": "Only the Salesforce admins of rollout *{rollout}* can decide this request. Nothing was changed.",
    "approval.deny.requester": "You asked for this approval, so another Salesforce admin of *{rollout}* has to decide it.",
    "approval.already": "This request was already {outcome} by {who} {when}. Nothing was changed.",
    "approval.already.approved": "approved",
    "approval.already.rejected": "rejected",
    "approval.already.cancelled": "closed",
    "approval.gone": "I can't find this approval request any more.",
    "approval.reject_modal.title": "Reject request",
    "approval.reject_modal.submit": "Reject",
    "approval.reject_modal.intro": "{subject} for rollout *{rollout}*, asked by {who}. Say why, so they know what to fix.",
    "approval.reject_modal.reason": "Reason",
    "approval.reject_modal.error.empty": "Give a reason: the requester will see it.",
    "approval.notify.approved": "{who} approved {subject} of rollout *{rollout}*. Do the step, then mark it done in {channel}.",
    "approval.notify.rejected": "{who} rejected {subject} of rollout *{rollout}*: “{reason}”. The step is open again in {channel}.",
    "step.state_line.awaiting": ":hourglass_flowing_sand: Waiting for a Salesforce admin to approve (asked by {who} {when}). Once approved, do the step and mark it done.",
    "step.state_line.approved": ":ballot_box_with_check: Approved by {who} {when}. Do the step, then mark it done.",
    "step.note.rejected": ":x: Approval refused by {who} {when}: “{reason}”",
    "answer.awaiting_approval": "Step {number} is waiting for a Salesforce admin's approval, asked by {who} {when}.",
    "answer.approval_requested": "I asked the Salesforce admins to approve step {number} in {channel}. You'll hear back here.",
    "status.approvals": "*Pending approvals*",
    "status.approval_line": "• {subject}: asked by {who} {when}",
    "home.approvals": "*Waiting for your approval*",
    # ---- invitations (SPEC section 5)
    "invite.usage": "Add the addresses after the command, separated by spaces, commas, semicolons or new lines: `/msi invite ana@example.com, ben@example.com`. You can also upload a CSV file here.",
    "invite.denied": "Only the owner and the admins of rollout *{rollout}* can request invitations: the addresses are personal data.",
    "invite.where": "Which rollout are these invitations for? Run `/msi invite` in the rollout's Marketo or Salesforce admin channel, or in a direct message with me when only one rollout is active. Active: {names}.",
    "invite.none_active": "No rollout is active, so there is nothing to invite people to. Start one with `/msi start`.",
    "invite.created": "Batch #{batch} with {count} invitation(s) for rollout *{rollout}* is waiting for a Salesforce admin's approval in {channel}.",
    "invite.nothing_created": "Nothing was requested: no address could be accepted.",
    "invite.summary.accepted": "*Accepted:* {count} ({seats} seat(s) left after these)",
    "invite.summary.invalid": "*Invalid:* {count}",
    "invite.summary.duplicates": "*Listed twice:* {count}",
    "invite.summary.already_here": "*Already requested or invited in this rollout:* {count}",
    "invite.summary.elsewhere": "*Already used in another rollout:* {count} (an address can belong to only one MSI Actions instance)",
    "invite.summary.over_limit": "*Over the seat limit of {limit}:* {count}",
    "invite.item.invalid": "`{address}`: {reason}",
    "invite.item.line": "line {line}: `{address}`: {reason}",
    "email.missing": "no address",
    "email.invalid": "not a valid address",
    "email.too_long": "longer than 254 characters",
    "email.control_characters": "contains invisible control characters",
    "email.duplicate": "listed twice (first on line {first_line})",
    # ---- batches
    "batch.task.header": "Invite {count} people to MSI Actions",
    "batch.task.body": "Batch #{batch} of rollout *{rollout}* ({environment}), asked by {requester} and approved by {approver}. The list is in this thread as a CSV file (Email, First Name, Last Name, Team).",
    "batch.task.how": "In the Sales account: gear menu › Settings › Admin Settings › User Management › Actions › *Invite Users via CSV*, choose the file, check the field mapping, Invite. Then mark the invitations sent here.",
    "batch.task.sent": ":white_check_mark: Invitations sent by {who} {when}.",
    "batch.task.cancelled": ":heavy_minus_sign: Cancelled by {who} {when}: nothing to send.",
    "batch.button.sent": "Mark invitations sent",
    "batch.confirm.title": "Invitations sent?",
    "batch.confirm.text": "Confirm that the {count} people of batch #{batch} were invited in MSI Actions.",
    "batch.confirm.yes": "They were",
    "batch.confirm.no": "Not yet",
    "batch.file_title": "Invitations, batch #{batch}",
    "batch.file_comment": "Batch #{batch}: {count} invitee(s) for rollout *{rollout}*.",
    "batch.fallback": "Batch #{batch}: {count} invitations for {rollout}",
    "batch.subject": "Invitations batch #{batch} ({count} people)",
    "batch.why": "Approving lets the Marketo admins invite these people to MSI Actions. Each uses one of the instance's {limit} seats.",
    "batch.requester.header": "Invitations batch #{batch}",
    "batch.requester.body": "{count} invitation(s) for rollout *{rollout}*{source}. State: *{state}*.",
    "batch.requester.source_file": " from {file}",
    "batch.state.pending_approval": "waiting for a Salesforce admin's approval",
    "batch.state.approved": "approved; the Marketo admins will send them",
    "batch.state.approved_waiting": "approved; sent once step 5 (Invite users) opens",
    "batch.state.sent": "sent",
    "batch.state.rejected": "rejected",
    "batch.state.cancelled": "cancelled",
    "batch.button.cancel": "Cancel batch",
    "batch.cancel.confirm.title": "Cancel this batch?",
    "batch.cancel.confirm.text": "Batch #{batch} and its {count} invitation(s) will be dropped; the addresses and seats become free.",
    "batch.cancel.confirm.yes": "Cancel batch",
    "batch.cancel.confirm.no": "Keep it",
    "batch.deny.sent": "Only the rollout's Marketo admins can mark invitations sent.",
    "batch.deny.cancel": "Only the requester of batch #{batch} or the rollout's owner can cancel it.",
    "batch.already": "Batch #{batch} is already {state}. Nothing was changed.",
    "batch.notify.sent": "The {count} invitation(s) of batch #{batch} (rollout *{rollout}*) were sent by {who}.",
    "batch.notify.cancelled": "Batch #{batch} of rollout *{rollout}* was cancelled by {who}.",
    "status.invitations": "*Invitations:* {requested} waiting for approval · {approved} approved · {sent} sent · {rejected} rejected · {cancelled} cancelled · {seats} of {limit} seats taken",
    "home.batches": "*Open invitation batches*",
    "home.batch_line": "• Batch #{batch}: {count} invitation(s), {state}",
    # ---- CSV uploads
    "csv.preview.header": "Invitations from {file}",
    "csv.preview.rollout": "Rollout: *{rollout}*",
    "csv.preview.pick_rollout": "Several rollouts are active: pick the one these invitations are for.",
    "csv.preview.file": "{rows} row(s) read ({encoding}, “{delimiter}”-separated, header on line {header_line}).",
    "csv.preview.file_headerless": "{rows} row(s) read ({encoding}, no header row).",
    "csv.delimiter.tab": "tab",
    "csv.preview.mapping": "*Columns:* Email ← {email} · First name ← {first_name} · Last name ← {last_name} · Team ← {team}",
    "csv.preview.unmapped": "(none)",
    "csv.preview.invalid_rows": "*Rows that can't be used:*",
    "csv.preview.flagged": "*Cells that look like spreadsheet formulas* (kept as typed, neutralised in the file for the Marketo admins):",
    "csv.preview.flagged_item": "line {line}, {field}: `{value}`",
    "csv.preview.expires": "This draft is kept until {when}.",
    "csv.preview.requested": ":white_check_mark: Requested as batch #{batch} ({count} invitation(s)), waiting for approval.",
    "csv.preview.cancelled": ":heavy_minus_sign: Cancelled. Nothing was requested.",
    "csv.preview.expired": ":hourglass: This draft expired. Upload the file again to start over.",
    "csv.button.request": "Request invitations",
    "csv.button.mapping": "Change mapping",
    "csv.button.cancel": "Cancel",
    "csv.select.rollout": "Pick a rollout",
    "csv.mapping.title": "Change mapping",
    "csv.mapping.submit": "Update preview",
    "csv.mapping.intro": "Which column of {file} holds each field?",
    "csv.mapping.none": "— not in the file —",
    "csv.mapping.error.email": "Pick the column that holds the email addresses.",
    "csv.mapping.error.same": "This column is already used for another field.",
    "csv.field.email": "Email",
    "csv.field.first_name": "First name",
    "csv.field.last_name": "Last name",
    "csv.field.team": "Team",
    "csv.expired": "This draft has expired (drafts are kept 24 hours). Upload the file again.",
    "csv.not_ready": "This draft can't be used now: it is {state}.",
    "csv.state.pending": "still being read (the preview will update in a moment)",
    "csv.state.ready": "ready",
    "csv.state.failed": "unreadable",
    "csv.state.ignored": "ignored",
    "csv.state.requested": "already requested",
    "csv.state.cancelled": "cancelled",
    "csv.state.expired": "expired",
    "csv.no_rollout": "Pick the rollout these invitations are for first.",
    "csv.empty": "I couldn't use {file}: it is empty.",
    "csv.too_large": "I couldn't use {file}: it is larger than 5 MB. Split it into smaller files.",
    "csv.binary": "I couldn't use {file}: it isn't a text CSV file. In Excel, use File › Save As › CSV UTF-8.",
    "csv.undecodable": "I couldn't use {file}: I can't tell its character encoding. Save it as CSV UTF-8 and upload it again.",
    "csv.no_email_column": "I couldn't use {file}: no column holds email addresses. Add an “Email” column and upload it again.",
    "csv.gone": "I can't find this file's preview any more. Upload the file again to get a new one.",
    "csv.deny.uploader": "Only {uploader}, who uploaded {file}, can use this preview. Nothing was changed.",
    "csv.malformed": "I couldn't use {file}: the quote opened on line {line} is never closed, so the rows after it can't be read.",
    "csv.cell_too_long": "I couldn't use {file}: a cell in the row on line {line} is longer than {limit} characters, more than any address, name or team needs. Check that the file is a CSV export of your list (not a document or a log saved as .csv), or split that cell, and upload it again.",
    "csv.download_failed": "I couldn't download {file} from Slack. Upload it again in a minute.",
    "csv.foreign_host": "I didn't download {file}: Slack gave a link to a host I don't send credentials to ({host}).",
    "csv.denied": "Only the owner and the admins of rollout *{rollout}* can request invitations, so I didn't read {file}.",
    "csv.no_active_rollout": "I got {file}, but no rollout is active. Start one with `/msi start`, then upload it again.",
    # ---- Japanese Excel columns, counts per category and the report of unusable rows (issues 16 and 17)
    "csv.field.full_name": "Full name",
    "csv.preview.mapping_full_name": "*Columns:* Email ← {email} · Full name ← {full_name} (split into last and first name) · Team ← {team}",
    "csv.preview.unsplit": "{count} name(s) have no single space between family name and given name, so each is kept whole as the last name.",
    "csv.mapping.error.full_name": "Pick either a full name column or first and last name columns, not both.",
    "invite.summary.problems": "*Addresses that can't be used:*",
    "invite.reason.duplicate": "listed twice",
    "invite.reason.already_here": "already requested or invited in this rollout",
    "invite.reason.elsewhere": "already used in rollout “{rollout}”",
    "invite.reason.over_limit": "over the seat limit of {limit}",
    "csv.button.report": "Download report",
    "csv.report.title": "Rows of {file} that can't be used",
    "csv.report.comment": "The {count} row(s) of {file} that can't be used, each with its reason, in the file's own columns. Fix them and upload the file again.",
    "csv.report.gone": "I can't send the report of {file}: the file is no longer stored (it expired after 24 hours, or was erased). Upload it again to get a new preview and its report.",
    "csv.report.already_sent": "I've already sent the report for this preview: it is in our conversation above.",
    "csv.report.nothing": "Every row of this file can be used now, so there is no report to send.",
    "csv.report.column.line": "Line",
    "csv.report.column.category": "Problem",
    "csv.report.column.reason": "Reason",
    "csv.report.category.invalid": "Invalid",
    "csv.report.category.duplicates": "Listed twice",
    "csv.report.category.already_here": "Already requested or invited",
    "csv.report.category.elsewhere": "Used in another rollout",
    "csv.report.category.over_limit": "Over the seat limit",
    # ---- reminders (SPEC section 6)
    "reminder.step": ":alarm_clock: {people}: step {number} ({title}) has been waiting for {waited}.",
    "reminder.step.nobody": ":alarm_clock: Step {number} ({title}) has been waiting for {waited}.",
    "reminder.approval": ":alarm_clock: {people}: this request has been waiting for a decision for {waited}.",
    "reminder.approval.nobody": ":alarm_clock: This request has been waiting for a decision for {waited}.",
    "reminder.snooze": "Snooze",
    "reminder.snooze.hour": "For 1 hour",
    "reminder.snooze.workday": "Until the next working day",
    "reminder.snooze.monday": "Until next Monday",
    "reminder.snoozed": "Snoozed: no reminder about this before {when}.",
    "reminder.snoozed.thread": ":zzz: {who} snoozed this reminder until {when}.",
    "reminder.digest.header": ":alarm_clock: {count} items are waiting on you:",
    "reminder.digest.step": "*{rollout}*: step {number} ({title}), waiting for {waited}. {link}",
    "reminder.digest.approval": "*{rollout}*: {subject}, waiting for a decision for {waited}. {link}",
    "reminder.digest.open": "Open",
    "reminder.deny.snooze": "Only the people this reminder is for can snooze it.",
    "reminder.nothing": "There is nothing to snooze any more: it has moved on.",
    "reminder.escalation.step": "Step {number} ({title}) of rollout *{rollout}* has waited {waited} despite {count} reminders in {channel}.",
    "reminder.escalation.approval": "{subject} of rollout *{rollout}* has waited {waited} for a Salesforce admin's decision despite {count} reminders.",
    "reminder.departed": "{who} has left the workspace and is no longer reminded about rollout *{rollout}*. Edit the rollout on App Home to name someone else.",
    "duration.minutes": "{count} minute(s)",
    "duration.hours": "{count} hour(s)",
    "duration.days": "{count} day(s)",
    "home.pause": "Pause reminders",
    "home.resume": "Resume reminders",
    "home.paused": ":double_vertical_bar: Reminders are paused.",
    # ---- verification in Salesforce (steps 6 and 7)
    "verify.button": "Verify in Salesforce",
    "verify.heading": "*Checked in Salesforce* by {who} {when}:",
    "verify.passed": ":white_check_mark: {name}: {outcome}",
    "verify.failed": ":x: {name}: {outcome}",
    "verify.warning": ":warning: {name}: {outcome}",
    "verify.deny": "Only the Salesforce admins of rollout *{rollout}* can run the checks in Salesforce.",
    "verify.not_configured": "Checks in Salesforce aren't set up for {environment} rollouts.",
    "verify.not_applicable": "Only steps 6 and 7 can be checked in Salesforce.",
    "verify.done": "Checked step {number} in Salesforce: {outcome}.",
    "verify.outcome.passed": "every check passed",
    "verify.outcome.failed": "some checks failed; see the step message",
    "override.title": "Mark done anyway?",
    "override.submit": "Mark done",
    "override.intro.failed": "The last check in Salesforce found problems with step {number}. If it is done all the same, say why: the reason goes into the audit trail.",
    "override.intro.unchecked": "Step {number} hasn't been checked in Salesforce yet. Click *Verify in Salesforce* on the step first, or say why it is done without the check: the reason goes into the audit trail.",
    "override.reason": "Why is it done?",
    "override.error.empty": "Give a reason, or cancel and run the check first.",
    "salesforce.invalid_url": "The Salesforce URL must be your org's My Domain address, such as https://yourcompany.my.salesforce.com.",
    "salesforce.invalid_client": "Salesforce at {host} refused the client ID or secret. Check the connected app's consumer key and secret in the bot's settings.",
    "salesforce.invalid_grant": "Salesforce at {host} refused to issue a token: {description}. Check that the connected app allows the client credentials flow and has a Run As user.",
    "salesforce.unreachable": "I couldn't reach Salesforce at {host} (connection failed or timed out). Try again in a minute.",
    "salesforce.request_limit": "Salesforce at {host} has used up its API request limit for now. Try again later.",
    "salesforce.session_expired": "Salesforce at {host} rejected a fresh session. Check the connected app's session policies and its Run As user.",
    "salesforce.unexpected": "Salesforce at {host} gave an unexpected answer (HTTP {status}). Check that the connected app's user has API access and the View Setup permission.",
    "salesforce.check.package_installed.name": "Marketo Sales Insight package installed",
    "salesforce.check.package_installed.passed": "installed, version {version}",
    "salesforce.check.package_installed.missing": "not installed. Install “Marketo Sales Insight” from AppExchange; it then shows under Setup › Installed Packages",
    "salesforce.check.permission_set_support.name": "Package supports the “Marketo App Access” permission set",
    "salesforce.check.permission_set_support.passed": "version {version} is {minimum} or later",
    "salesforce.check.permission_set_support.too_old": "version {version} is older than {minimum}, which the permission set needs. Upgrade the package (try a sandbox first)",
    "salesforce.check.remote_site.name": "Remote Site Setting for {url}",
    "salesforce.check.remote_site.passed": "active ({site_name})",
    "salesforce.check.remote_site.missing": "missing. Add it in Setup › Remote Site Settings › New with the URL {url}",
    "salesforce.check.remote_site.inactive": "“{site_name}” exists but is inactive. Edit it in Setup › Remote Site Settings and tick Active",
    # ---- delivery problems reported to the owner
    "delivery.not_in_channel": (
        "I couldn't post in {channel} for rollout *{rollout}*: I'm not a member. Invite me with "
        "`/invite @MSI Rollouts` in that channel. Messages that failed are not retried."
    ),
    "delivery.is_archived": (
        "I couldn't post in {channel} for rollout *{rollout}*: the channel is archived. Unarchive it, or "
        "point the rollout at another channel."
    ),
    "delivery.channel_not_found": (
        "I couldn't post in channel {channel} for rollout *{rollout}*: it no longer exists or I can't see "
        "it. Point the rollout at another channel."
    ),
    # ---- generic answers
    "error.generic": "Something went wrong on my side and nothing was changed. Please try again in a minute.",
    # ---- dates, lists: the word order of a language, used by bot.texts.Texts
    # Slack's `<!date>` format: its {placeholders} are Slack's date tokens, filled by Slack, not by us.
    "date.token": "{date_short_pretty} at {time}",
    "date.fallback": "{date} {time} UTC",
    "list.separator": ", ",
    "list.quoted": "“{value}”",
    "list.none": "none",
    "list.more": "…and {count} more",
    # ---- /msi doctor and msi-bot doctor (issue 19): one line per check, each problem saying what to fix
    "doctor.header": "Doctor: {passed} of {total} checks passed",
    "doctor.line": "{mark} *{check}*:",
    "doctor.check.token": "Bot token",
    "doctor.check.scopes": "Scopes",
    "doctor.check.channels": "Channels",
    "doctor.check.members": "People",
    "doctor.check.salesforce": "Salesforce org",
    "doctor.check.database": "Database",
    "doctor.check.outbox": "Notifications",
    "doctor.skipped.token": "not checked, because the bot token does not work.",
    "doctor.skipped.database": "not checked, because the database does not answer.",
    "doctor.token.ok": "works (workspace {team}).",
    "doctor.token.refused": "Slack refused it ({error}): the app was uninstalled or its token revoked. Reinstall the app from manifest.yml, set the new SLACK_BOT_TOKEN and restart the bot.",
    "doctor.token.error": "Slack's auth.test failed ({error}). Try again in a minute; if it persists, see status.slack.com.",
    "doctor.token.unreachable": "Slack did not answer. Check that the bot's host can reach SLACK_API_URL.",
    "doctor.scopes.ok": "all {count} scopes of manifest.yml are granted.",
    "doctor.scopes.missing": "missing {scopes}. Update the app from manifest.yml (or add them under OAuth & Permissions) and reinstall it.",
    "doctor.scopes.unknown": "Slack did not say which scopes are granted. Compare OAuth & Permissions with manifest.yml.",
    "doctor.channels.ok": "the bot is in all {count} channels of the {rollouts} active rollouts.",
    "doctor.channels.not_found": "{channel} of rollout “{rollout}” can't be found ({error}). Choose another channel with Edit on the App Home tab.",
    "doctor.channels.archived": "{channel} of rollout “{rollout}” is archived. Unarchive it, or choose another channel with Edit.",
    "doctor.channels.not_member": "the bot is not in {channel} (rollout “{rollout}”). Add the app to that channel.",
    "doctor.channels.unreachable": "{channel} of rollout “{rollout}” could not be checked: Slack did not answer. Try again.",
    "doctor.members.ok": "all {count} people named in active rollouts are in the workspace.",
    "doctor.members.gone": "{user} (rollout “{rollout}”) is no longer in the workspace. Name someone else with Edit.",
    "doctor.members.unreachable": "{user} (rollout “{rollout}”) could not be looked up. Try again.",
    "doctor.members.group_empty": "User group {group} (rollout “{rollout}”) has no members, or was disabled: nobody holds its role through it. Add people to it in Slack, or change it with Edit.",
    "doctor.members.group_unreachable": "User group {group} (rollout “{rollout}”) could not be looked up. Try again.",
    "doctor.salesforce.none": "no org is configured (SALESFORCE_URL), so people confirm steps 6 and 7 themselves.",
    "doctor.salesforce.ok": "the credentials work ({environments}).",
    "doctor.salesforce.failed": "{environment}: {reason}",
    "doctor.database.ok": "answers, and its schema is current ({head}).",
    "doctor.database.down": "does not answer. Check DATABASE_URL and that the database is running.",
    "doctor.database.behind": "its schema is {current}, this version needs {head}. Restart the bot: it upgrades the schema at start.",
    "doctor.outbox.ok": "being delivered ({count} due now).",
    "doctor.outbox.stuck": "{count} due but undelivered since {since}. Look for Slack errors in the bot's log, and check that its processes are running.",
    "doctor.denied": "Only rollout owners and the admins of a rollout can run the doctor.",
    "doctor.checking": "Checking the deployment… the results follow in a moment.",
    # ---- user groups as personas (Start and Edit)
    "start.marketo_groups.label": "Marketo admin user groups",
    "start.salesforce_groups.label": "Salesforce admin user groups",
    "start.groups.hint": "Optional. Everyone in a chosen group counts, as its members change in Slack.",
    "start.groups.hint.cut": "Optional. Only the first {limit} of {count} user groups are listed, by handle: if yours is missing, pick its people instead.",
    "start.groups.placeholder": "Pick user groups",
    "start.groups.missing_scope": ":information_source: User groups can't be offered: the app lacks the `usergroups:read` scope. Pick people for now, and ask a workspace admin to reinstall the app from its manifest.",
    "start.groups.unavailable": ":information_source: Slack didn't list the user groups in time. Pick people, or open this form again to choose groups.",
    "start.error.groups_missing_scope": "The app lacks the `usergroups:read` scope, so I can't see who is in these user groups. Remove them and pick people for now, and ask a workspace admin to reinstall the app from its manifest.",
    "start.error.groups_unavailable": "Slack didn't tell me who is in these user groups in time. Submit again.",
    "start.error.group_empty.one": "{groups} has no members, so nobody would hold this role through it. Add people to it in Slack, or pick people here.",
    "start.error.group_empty.many": "{groups} have no members, so nobody would hold this role through them. Add people to them in Slack, or pick people here.",
    # ---- a rollout's own non-working dates (Edit)
    "edit.off_dates.label": "Non-working dates",
    "edit.off_dates.hint": "No reminders on these dates, in each person's own calendar. One date or date range per line, with an optional note.",
    "edit.off_dates.placeholder": "2026-12-29..2027-01-03 Year-end break",
    "edit.off_dates.error.not_a_date": "Line {number} isn't a date or a date range: “{line}”. Write one per line, like 2026-12-29 or 2026-12-29..2027-01-03.",
    "edit.off_dates.error.backwards": "Line {number} ends before it starts: “{line}”. Put the earlier date first.",
    "edit.off_dates.error.too_long": "Line {number} covers more than a year: “{line}”. Split it into shorter ranges.",
    "edit.off_dates.error.too_many": "Give at most {limit} lines of dates.",
    "status.off_dates": "*Non-working dates* (no reminders): {dates}",
    "status.off_dates.range": "{first} to {last}",
}
