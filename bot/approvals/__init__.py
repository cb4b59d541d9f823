"""Approvals by Salesforce admins: the mechanism and its messages."""
