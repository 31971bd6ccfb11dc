"""Every ORM model of the audit service, imported so that its metadata is complete."""

from audit.announcements.models import Announcement
from audit.database import Base, metadata
from audit.log.models import AuditEvent
from audit.replays.models import ChainVerification, Replay, SchedulerLease

__all__ = ["Announcement", "AuditEvent", "Base", "ChainVerification", "Replay", "SchedulerLease", "metadata"]
