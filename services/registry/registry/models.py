"""Every ORM model of the registry service, imported so that its metadata is complete."""

from registry.database import Base, metadata

__all__ = ["Base", "metadata"]
