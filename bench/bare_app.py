"""The baseline of ``bench_reads.py``: a bare FastAPI app answering the real routes' paths.

Each route returns, as a plain ``dict``/``list`` (FastAPI's own JSON encoding), the body the
real service answered for that path, so both sides send a body of the same size. No
middleware, no database, no authentication: what FastAPI and uvicorn cost by themselves.
``JC_BARE_PAYLOADS`` names the JSON file of recorded bodies (route name → body).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI


def create_app() -> FastAPI:
    payloads: dict[str, Any] = json.loads(Path(os.environ["JC_BARE_PAYLOADS"]).read_text(encoding="utf-8"))
    app = FastAPI(title="bare baseline")

    @app.get("/v1/entities/{uscc}")
    async def entity(uscc: str) -> Any:
        return payloads["entity"]

    @app.get("/v1/entities")
    async def entities() -> Any:
        return payloads["entity_page"]

    @app.get("/v1/tasks/{task_id}")
    async def task(task_id: str) -> Any:
        return payloads["task"]

    @app.get("/public/draws/{draw_id}")
    async def public_draw(draw_id: str) -> Any:
        return payloads["public_draw"]

    @app.get("/v1/inspections")
    async def inspections() -> Any:
        return payloads["inspection_page"]

    return app
