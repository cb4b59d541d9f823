"""Rollouts: starting, editing, cancelling, and resolving which rollout a request means."""
