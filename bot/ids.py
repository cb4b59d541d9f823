"""Action, callback and block ids: shared by the Block Kit builders and the listener registrations."""

COMMAND = "/msi"

# views
START_VIEW = "msi_start_rollout"

# blocks and actions of the Start a rollout modal
START_NAME = "name"
START_ENVIRONMENT = "environment"
START_MARKETO_ADMINS = "marketo_admins"
START_SALESFORCE_ADMINS = "salesforce_admins"
START_MARKETO_CHANNEL = "marketo_channel"
START_SALESFORCE_CHANNEL = "salesforce_channel"
START_PREREQUISITES = "prerequisites"
PREREQUISITE_ENABLED = "actions_enabled"
PREREQUISITE_SYNC = "crm_sync"

# buttons on step messages; the value carries the step's database id
STEP_DONE = "msi_step_done"
STEP_HELP = "msi_step_help"

# App Home
HOME_START = "msi_home_start"
