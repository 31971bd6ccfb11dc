"""``python -m audit migrate`` brings the audit database (``AUDIT_DATABASE_URL``) to head.

The deployment's migrate job runs it before the service starts; ``/readyz`` is 503 until then.
"""

import sys

from audit import MIGRATIONS
from audit.config import Settings
from jointcheck.migrations import command_line

if __name__ == "__main__":
    sys.exit(command_line(MIGRATIONS, Settings().database_url, sys.argv[1:], prog="python -m audit"))
