"""Every ORM model of the planning service, imported so that its metadata is complete."""

from planning.database import Base, metadata

__all__ = ["Base", "metadata"]
