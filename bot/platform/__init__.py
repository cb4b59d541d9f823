"""What every domain runs on: the leased queue with its heartbeats (leases) and the queues built on it
(outbox, clicks), workers, foreground, crash points, logs and access refusals."""
