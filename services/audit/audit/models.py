"""Every ORM model of the audit service, imported so that its metadata is complete."""

from audit.database import Base, metadata
from audit.log.models import AuditEvent

__all__ = ["Base", "metadata", "AuditEvent"]
