"""Outbound webhooks: what happened in LeadHub, signed (Standard Webhooks) and delivered to
the endpoints integration admins register (docs/webhooks.md)."""
