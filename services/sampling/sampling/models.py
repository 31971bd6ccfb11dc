"""Every ORM model of the sampling service, imported so that its metadata is complete."""

from sampling.database import Base, metadata
from sampling.draws.models import Draw

__all__ = ["Base", "Draw", "metadata"]
