"""Persistence: SQLModel tables, transactions and Alembic migrations. Never imports Slack."""
