"""Every ORM model of the results service, imported so that its metadata is complete."""

from results.database import Base, metadata

__all__ = ["Base", "metadata"]
