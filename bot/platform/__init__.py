"""What every domain runs on: the leased queues (outbox, clicks), workers, foreground, crash points, logs
and access refusals."""
