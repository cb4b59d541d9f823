"""Invitation batches: address checks, seat counting and their messages."""
