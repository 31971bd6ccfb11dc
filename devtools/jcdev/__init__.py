"""Development tools of the jointcheck repository: never imported by the library or a service.

* :mod:`jcdev.services` — the service names, their development ports and where each keeps its
  migrations;
* :mod:`jcdev.stack` — database, migrations and processes for ``make run`` and the e2e suite;
* :mod:`jcdev.demo` — loads the demo county through the registry's HTTP API;
* :mod:`jcdev.samples` — writes the sample directory files (``make samples``);
* :mod:`jcdev.testing` — the pytest plugin (real PostgreSQL, per-service clients, tokens);
* ``python -m jcdev run|migrate|token|samples`` — the command line behind the Makefile.
"""
