"""The audit log: who created, changed or deleted what an integration admin configures, and
who paused, resumed, synced, resent, imported, exported or erased what, and when.

Built on django-auditlog's one table (``auditlog.LogEntry``): model changes are recorded by
the library for the models in ``registry.AUDITED`` (listed fields only, never a secret),
explicit events by ``services.audit_record``.
"""
