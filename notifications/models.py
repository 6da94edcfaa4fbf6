# The Notification outbox arrives with the lifecycle (see DESIGN.md).
