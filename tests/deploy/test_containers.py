"""The containers: deploy/Dockerfile does what the install test proves works (there is no
Docker engine here), and docker-compose.yml starts things in order, watches every long-running
service's health, keeps secrets out of the file and puts the gateway in front."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import yaml

from jcdev.services import SERVICE_NAMES
from jcdev.testing import TEST_JWT_SECRET
from jointcheck.settings import DEV_JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
REQUIRED = re.compile(r"^\$\{([A-Z_]+):\?[^}]*\}$")  # ${NAME:?message}: compose refuses to start without it


def _install_test():
    spec = importlib.util.spec_from_file_location("install_test", ROOT / "tests" / "foundation" / "test_install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _stages() -> dict[str, list[tuple[str, str]]]:
    """Each build stage's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op == "FROM":
            image, _, name = rest.partition(" AS ")
            current = stages.setdefault(name.strip(), [])
            current.append((op, image.strip()))
        else:
            current.append((op, rest.strip()))
    return stages


def test_the_image_does_what_the_install_test_proves():
    install = _install_test()
    stages = _stages()
    assert set(stages) == {"wheels", "services", "gateway"}
    # the same distributions are built as wheels …
    (wheel,) = [arg for op, arg in stages["wheels"] if op == "RUN" and "pip wheel" in arg]
    built = [w.removeprefix("./") for w in shlex.split(wheel) if w.startswith("./")]
    assert built == install.DISTRIBUTIONS
    # … and only they reach the image, installed as ordinary distributions (no source, no -e)
    services = stages["services"]
    assert [arg for op, arg in services if op == "COPY"] == ["--from=wheels /wheels /wheels"]
    (pip,) = [arg for op, arg in services if op == "RUN" and "pip install" in arg]
    assert "/wheels/*.whl" in pip and " -e" not in pip and "devtools" not in pip
    assert ("USER", "10001") in services
    # the service starts as the install test starts it: uvicorn's factory, the same options
    (cmd,) = [arg for op, arg in services if op == "CMD"]
    command = shlex.split(yaml.safe_load(cmd)[-1].removeprefix("exec "))
    for opt in ("--host", "--port"):
        i = command.index(opt)
        del command[i : i + 2]
    expected = [a.format(service="${SERVICE}") for a in install.UVICORN_ARGS]
    assert ["-m", *command] == expected
    # images are pinned to a version
    for stage in stages.values():
        image = stage[0][1]
        if image != "wheels":
            assert re.fullmatch(r"[a-z/]+:\d+(\.\d+)+[a-z0-9.-]*", image), image


def test_the_gateway_image_runs_the_rendered_configuration_unprivileged():
    import jcportal
    from jcdev.nginx import DEPLOYMENT

    gateway = _stages()["gateway"]
    assert ("COPY", "deploy/nginx/nginx.conf /etc/nginx/nginx.conf") in gateway
    # the portal's pages, where the rendering serves them from
    pages = Path(jcportal.STATIC_DIR).relative_to(ROOT)
    assert ("COPY", f"{pages} {DEPLOYMENT.portal_root}") in gateway
    (apt,) = [arg for op, arg in gateway if op == "RUN" and "apt-get install" in arg]
    assert "nginx-light" in apt  # the package the e2e suite runs (tools/system-packages.sh)
    assert "nginx-light" in (ROOT / "tools" / "system-packages.sh").read_text(encoding="utf-8")
    assert ("USER", "www-data") in gateway and ("EXPOSE", "8080") in gateway


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _database_services(services: dict) -> set[str]:
    return {
        name
        for name, svc in services.items()
        if any(k.endswith("_DATABASE_URL") for k in (svc.get("environment") or {})) and name != "migrate"
    }


def test_compose_migrates_before_any_service_starts():
    install = _install_test()
    services = _compose()["services"]
    assert _database_services(services) == set(SERVICE_NAMES)
    migrate = services["migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate.get("restart") == "no"
    script = migrate["command"][-1]
    loop = re.search(r"for s in ([a-z ]+); do python (.+?) \|\| exit 1; done", script)
    assert loop and loop.group(1).split() == list(SERVICE_NAMES), script
    assert loop.group(2) == " ".join(install.MIGRATE_ARGS).replace("{service}", "$$s")
    assert set(migrate["environment"]) == {f"{s.upper()}_DATABASE_URL" for s in SERVICE_NAMES}
    for name in SERVICE_NAMES:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["environment"]["SERVICE"] == name
        # each service reaches its own database, the one migrate upgraded
        key = f"{name.upper()}_DATABASE_URL"
        assert services[name]["environment"][key] == migrate["environment"][key]
        assert services[name]["environment"][key].endswith(f"/jc_{name}")


def test_every_long_running_service_has_a_health_check():
    services = _compose()["services"]
    for name, svc in services.items():
        if name == "migrate":
            continue  # one-shot: the others wait for it to complete successfully
        check = svc.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL") and check.get("retries"), name
        assert svc.get("restart") == "unless-stopped", name
    for name in SERVICE_NAMES:
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"]), name  # database and migrations


def test_no_secret_is_written_in_the_compose_file():
    text = COMPOSE.read_text(encoding="utf-8")
    assert DEV_JWT_SECRET not in text and TEST_JWT_SECRET not in text
    services = _compose()["services"]
    for name, svc in services.items():
        env = svc.get("environment") or {}
        for key, value in env.items():
            value = str(value)
            if re.search(r"SECRET|PASSWORD|TOKEN", key):
                assert REQUIRED.match(value), f"{name}: {key} must come from the environment, not the file"
            if key.endswith("DATABASE_URL"):
                password = re.match(r"postgresql\+asyncpg://[^:]+:(.+)@[^@/]+/\w+$", value)
                assert password and REQUIRED.match(password.group(1)), f"{name}: {key} carries a password"
        if name in SERVICE_NAMES or name == "gsxt":
            assert env["JC_ENVIRONMENT"] == "production", name  # which refuses the development secret


def test_the_gateway_is_the_one_entry():
    services = _compose()["services"]
    gateway = services["gateway"]
    assert gateway["build"]["target"] == "gateway"
    assert {name: dep["condition"] for name, dep in gateway["depends_on"].items()} == dict.fromkeys(
        SERVICE_NAMES, "service_healthy"
    )
    assert gateway["ports"] == ["8080:8080"]
    assert [name for name, svc in services.items() if svc.get("ports")] == ["gateway"]


def test_compose_images_are_pinned():
    for name, svc in _compose()["services"].items():
        image = svc["image"]
        assert "latest" not in image, name
        assert re.fullmatch(r"[a-z0-9/-]+:(\d+(\.\d+)+[a-z0-9.-]*|\$\{JC_IMAGE_TAG:-\d+\.\d+\.\d+\})", image), image
