"""A rollout's record and the personal data in it: retention, export, erasure."""
