"""Integration admin: connections (write-only credentials), campaigns, destinations.

Importing the package registers every model admin of the vendors app.
"""

from __future__ import annotations

from vendors.admin import campaigns, connections, destinations

__all__ = ["campaigns", "connections", "destinations"]
