"""The public portal: static pages (HTML, CSS, JavaScript; no build step) that show what
一公开 publishes — published plans and their tasks, every draw of a task, one draw's
announcement, hashes, audit receipt and entropy, published results — and verify a draw's
bundle in the browser with a JavaScript draw-v1 (``static/js/drawv1.js``).

The pages call the public JSON routes on their own origin (``/public/...``), so they are
served by a gateway in front of the services: ``jcdev.gateway`` in development, nginx in
deployment, both at ``/portal/``. Nothing here runs on the server.
"""

from pathlib import Path

#: The directory a gateway serves at ``/portal/``.
STATIC_DIR = Path(__file__).resolve().parent / "static"
