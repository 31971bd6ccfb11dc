"""Every ORM model of the registry service, imported so that its metadata is complete."""

from registry.database import Base, metadata
from registry.departments.models import Department
from registry.entities.models import Entity
from registry.experts.models import Expert
from registry.inspectors.models import Inspector
from registry.platform_sync.models import PlatformSyncRun, PlatformSyncState
from registry.recusals.models import Recusal
from registry.versioning.models import RegistryState, RegistryVersion

__all__ = [
    "Base",
    "Department",
    "Entity",
    "Expert",
    "Inspector",
    "PlatformSyncRun",
    "PlatformSyncState",
    "Recusal",
    "RegistryState",
    "RegistryVersion",
    "metadata",
]
