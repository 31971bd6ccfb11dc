"""Every ORM model of the sampling service, imported so that its metadata is complete."""

from sampling.database import Base, metadata

__all__ = ["Base", "metadata"]
