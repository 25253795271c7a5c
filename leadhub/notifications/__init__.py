"""Notifications: integration admins are told, by email or a chat webhook, when a lead or a
connection needs them (leadhub.notifications.events decides what, sending.py sends)."""
