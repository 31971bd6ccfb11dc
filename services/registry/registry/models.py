"""Every ORM model of the registry service, imported so that its metadata is complete."""

from registry.database import Base, metadata
from registry.departments.models import Department
from registry.entities.models import Entity
from registry.versioning.models import RegistryState, RegistryVersion

__all__ = ["Base", "metadata", "Department", "Entity", "RegistryState", "RegistryVersion"]
