"""Every ORM model of the audit service, imported so that its metadata is complete."""

from audit.database import Base, metadata
from audit.announcements.models import Announcement
from audit.log.models import AuditEvent
from audit.replays.models import ChainVerification, Replay, SchedulerLease

__all__ = ["Base", "metadata", "Announcement", "AuditEvent", "ChainVerification", "Replay", "SchedulerLease"]
