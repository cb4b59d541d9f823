"""/msi doctor and msi-bot doctor: checks of the deployment, each with its fix."""
