"""What every app of the project shares, below all of them: it imports none of them.

- `errors`: `ReadableError`, an error whose message people read, in their language;
- `publishing`: handing a task to Celery after a commit without ever failing or
  blocking the caller (the outbox rows keep what is left to do);
- `network_time`: the network's time zone and day, the one on the branches' walls,
  whatever language or time zone a user has.
"""
