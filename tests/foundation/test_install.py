"""The distributions work installed as a deployment installs them: built, not editable.

Wheels of the library and every service are installed into a fresh virtual environment
that cannot see this checkout; each service then migrates its database with the Alembic
tree inside its own package and serves ``/readyz`` OK from there. This is what
``deploy/Dockerfile`` does, without Docker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx

from jcdev.services import SERVICE_NAMES
from jcdev.stack import drop_databases, ensure_databases
from jcdev.testing import TEST_DB_PREFIX, TEST_JWT_SECRET, database_url_for, free_port

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = ["shared", *(f"services/{s}" for s in SERVICE_NAMES), "services/gsxt_emulator", "portal"]
# What deploy/Dockerfile and the migrate job run ({service} filled in; the image adds its
# host and port): tests/deploy/test_containers.py holds them to the same commands.
MIGRATE_ARGS = ("-m", "{service}", "migrate")
UVICORN_ARGS = (
    "-m",
    "uvicorn",
    "--factory",
    "{service}.main:create_app",
    "--proxy-headers",
    "--no-access-log",
    "--timeout-graceful-shutdown",
    "20",
)


def _run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _build_wheels(tmp: Path) -> list[Path]:
    """Wheels built from clean copies of the sources (no stale build/ directory can leak in)."""
    src, wheels = tmp / "src", tmp / "wheels"
    for dist in DISTRIBUTIONS:
        shutil.copytree(ROOT / dist, src / dist, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    wheels.mkdir()
    # What `pip wheel --no-deps --no-build-isolation` does, in one process (seven pip runs
    # cost ten seconds more): call each project's PEP 517 backend in its directory.
    _run(
        sys.executable,
        "-c",
        "import os, sys\n"
        "from setuptools import build_meta\n"
        "out, sources = sys.argv[1], sys.argv[2:]  # the backend rewrites sys.argv\n"
        "for d in sources:\n"
        "    os.chdir(d)\n"
        "    build_meta.build_wheel(out)\n",
        wheels,
        *(src / d for d in DISTRIBUTIONS),
        cwd=tmp,
    )
    return sorted(wheels.glob("*.whl"))


def _fresh_venv(tmp: Path, wheels: list[Path]) -> Path:
    """A venv holding only the wheels; third-party packages come from this environment's
    site-packages as a plain path entry, so its editable-install hooks stay inactive."""
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-index",
        *wheels,
        cwd=tmp,
    )
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).strip())
    (site / "zz_third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and not k.startswith(("JC_", "REGISTRY_", "PLANNING_", "SAMPLING_", "RESULTS_", "AUDIT_"))
    }
    return env | {"JC_ENVIRONMENT": "test", "JC_JWT_SECRET": TEST_JWT_SECRET, "JC_LOG_LEVEL": "WARNING"} | extra


def test_every_service_starts_from_non_editable_wheels(tmp_path, pg_server_url):
    started = time.monotonic()
    wheels = _build_wheels(tmp_path)
    assert len(wheels) == len(DISTRIBUTIONS)
    python = _fresh_venv(tmp_path, wheels)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()

    # every package resolves inside the fresh venv; the development tools are not there at all
    where = _run(
        python,
        "-c",
        "import importlib, sys\nfor m in sys.argv[1:]: print(importlib.import_module(m).__file__)",
        "jointcheck",
        *SERVICE_NAMES,
        "gsxt_emulator",
        cwd=tmp_path,
    ).split()
    assert all(f.startswith(site + os.sep) for f in where), where
    probe = subprocess.run([python, "-c", "import jcdev"], capture_output=True, cwd=tmp_path)
    assert probe.returncode != 0
    migrations_dir = _run(python, "-c", "import registry; print(registry.MIGRATIONS)", cwd=tmp_path).strip()
    assert migrations_dir.startswith(site) and (Path(migrations_dir) / "versions").is_dir()
    # the portal's pages ship in their package, for a gateway to serve
    pages = Path(_run(python, "-c", "import jcportal; print(jcportal.STATIC_DIR)", cwd=tmp_path).strip())
    assert pages.is_relative_to(site)
    shipped = {str(p.relative_to(pages)) for p in pages.rglob("*") if p.is_file()}
    assert {"index.html", "draw.html", "verify.html", "css/portal.css", "js/drawv1.js", "js/pages.js"} <= shipped

    names = [f"{TEST_DB_PREFIX}install_{s}" for s in SERVICE_NAMES]
    asyncio.run(drop_databases(pg_server_url, names))
    asyncio.run(ensure_databases(pg_server_url, names))
    urls = {s: database_url_for(pg_server_url, f"install_{s}") for s in SERVICE_NAMES}
    processes: dict[str, subprocess.Popen] = {}
    try:
        # the deployment's migrate job: each service migrates its own database
        migrate = [
            subprocess.Popen(
                [python, *(a.format(service=s) for a in MIGRATE_ARGS)],
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=_env(**{f"{s.upper()}_DATABASE_URL": urls[s]}),
            )
            for s in SERVICE_NAMES
        ]
        for s, proc in zip(SERVICE_NAMES, migrate):
            out = proc.communicate(timeout=120)[0].decode()
            assert proc.returncode == 0, f"{s} migrate failed:\n{out}"
        heads = {s: _run(python, "-m", s, "head", cwd=tmp_path).strip() for s in SERVICE_NAMES}

        ports = {s: free_port() for s in (*SERVICE_NAMES, "gsxt_emulator")}
        for s, port in ports.items():
            env = _env(**({f"{s.upper()}_DATABASE_URL": urls[s]} if s in urls else {}))
            processes[s] = subprocess.Popen(
                [python, *(a.format(service=s) for a in UVICORN_ARGS), "--host", "127.0.0.1", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        ready: dict[str, dict] = {}
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2) as client:
            while len(ready) < len(ports):
                for s, port in ports.items():
                    if s in ready:
                        continue
                    proc = processes[s]
                    assert proc.poll() is None, f"{s} exited:\n{proc.stdout.read().decode()}"
                    path = "/healthz" if s == "gsxt_emulator" else "/readyz"
                    try:
                        r = client.get(f"http://127.0.0.1:{port}{path}")
                    except httpx.HTTPError:
                        continue
                    if r.status_code == 200:
                        ready[s] = r.json()
                assert time.monotonic() < deadline, f"not ready: {sorted(set(ports) - set(ready))}"
                time.sleep(0.2)
        for s in SERVICE_NAMES:
            assert ready[s]["status"] == "ready" and ready[s]["migration"] == ready[s]["head"] == heads[s]
        assert ready["gsxt_emulator"]["status"] == "ok"
    finally:
        for proc in processes.values():
            proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(drop_databases(pg_server_url, names))
    print(f"built, installed, migrated and started {len(ports)} services in {time.monotonic() - started:.1f}s")
