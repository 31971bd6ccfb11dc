"""``python -m registry migrate`` brings the registry database (``REGISTRY_DATABASE_URL``) to head.

The deployment's migrate job runs it before the service starts; ``/readyz`` is 503 until then.
"""

import sys

from jointcheck.migrations import command_line
from registry import MIGRATIONS
from registry.config import Settings

if __name__ == "__main__":
    sys.exit(command_line(MIGRATIONS, Settings().database_url, sys.argv[1:], prog="python -m registry"))
