"""msi-bot: runs a company's rollout of Marketo Sales Insight Actions in Slack."""
