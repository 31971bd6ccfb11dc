"""The gateway: ``deploy/nginx/jointcheck.conf.template`` rendered, and nginx run on it.

One template serves every place the gateway runs: the e2e suite renders it with its own
ports and runs Debian's nginx on it (:class:`Gateway`); the container deployments use the
renderings :data:`DEPLOYMENT_RENDERINGS` lists (``python -m jcdev gateway-config --write``
rewrites them, a test checks they are current). :func:`render_gateway_config` fills the
``{{name}}`` placeholders and refuses a value that could change the configuration's shape.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from jcdev.services import GATEWAY_PORTAL_PREFIX, SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "jointcheck.conf.template"
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
# a value fills one directive argument: no spaces, quotes, braces, semicolons or newlines
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_./:\-\[\]@]+$")


@dataclass
class GatewayConfig:
    """What differs between places the gateway runs. Sizes and rates are nginx syntax."""

    #: ``host:port`` (or ``unix:/path``) of each service
    upstreams: dict[str, str]
    #: ``port`` or ``address:port``
    listen: str = "8080"
    #: the directory holding the public portal's static pages
    portal_root: str = "/srv/jointcheck/portal"
    #: writable: pid, request-body and proxy buffers, the backup's socket
    temp_dir: str = "/tmp"
    error_log: str = "stderr"
    access_log: str = "/dev/stdout"
    mime_types: str = "/etc/nginx/mime.types"
    #: the workers' user if nginx starts as root (Debian's www-data)
    user: str = "www-data"
    worker_processes: str = "auto"
    #: the services' own default body limit (``JC_MAX_BODY_BYTES``, 1 MiB)
    max_body: str = "1m"
    #: ``REGISTRY_IMPORT_MAX_BYTES`` (4 GiB) plus the multipart envelope the registry allows
    import_max_body: str = "4097m"
    #: ``REGISTRY_CREDIT_SYNC_MAX_BYTES`` (32 MiB)
    credit_classes_max_body: str = "32m"
    #: per client address on /public and /portal
    public_rate: str = "20r/s"
    public_burst: int = 40
    #: failed authentications per client address before 429
    unauthorized_rate: str = "30r/m"
    unauthorized_burst: int = 10
    proxy_timeout: str = "300s"
    #: networks of load balancers / ingress whose X-Forwarded-For names the client
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)

    def values(self) -> dict[str, str]:
        missing = set(SERVICE_NAMES) - set(self.upstreams)
        if missing:
            raise ValueError(f"no upstream for {sorted(missing)}")
        out: dict[str, str] = {f"{s}_upstream": self.upstreams[s] for s in SERVICE_NAMES}
        for f in dataclasses.fields(self):
            if f.name not in ("upstreams", "trusted_proxies"):
                out[f.name] = str(getattr(self, f.name))
        out["pid_file"] = f"{self.temp_dir.rstrip('/')}/nginx.pid"
        out["portal_prefix"] = GATEWAY_PORTAL_PREFIX
        for key, value in out.items():
            if not _SAFE_VALUE.match(value):
                raise ValueError(f"gateway setting {key}={value!r} is not a plain nginx argument")
        for network in self.trusted_proxies:
            if not _SAFE_VALUE.match(network):
                raise ValueError(f"trusted proxy {network!r} is not an address or network")
        out["real_ip"] = (
            "\n".join(f"    set_real_ip_from {n};" for n in self.trusted_proxies)
            + "\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;"
            if self.trusted_proxies
            else "    # (none: the peer address is the client)"
        )
        return out


def template_text(template: Path = TEMPLATE) -> str:
    return template.read_text(encoding="utf-8")


def render_gateway_config(cfg: GatewayConfig, template: Path = TEMPLATE) -> str:
    """The template with every ``{{name}}`` filled; an unknown or unused name is an error."""
    text = template_text(template)
    values = cfg.values()
    used = set(_PLACEHOLDER.findall(text))
    unknown = used - set(values)
    if unknown:
        raise KeyError(f"the gateway template uses unknown placeholders {sorted(unknown)}")
    unused = set(values) - used
    if unused:
        raise KeyError(f"settings the gateway template never uses: {sorted(unused)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


#: The containers' rendering (docker-compose.yml and deploy/k8s): services by their DNS name
#: on port 8000, nginx unprivileged on 8080, the portal's pages at /srv/jointcheck/portal,
#: client addresses taken from X-Forwarded-For only when a private-network proxy sends it.
DEPLOYMENT = GatewayConfig(
    upstreams={s: f"{s}:8000" for s in SERVICE_NAMES},
    trusted_proxies=("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
)
#: Files rendered from the template with :data:`DEPLOYMENT` (kustomize reads only files inside
#: its own directory, hence the copy under deploy/k8s).
DEPLOYMENT_RENDERINGS: tuple[str, ...] = ("deploy/nginx/nginx.conf", "deploy/k8s/base/gateway/nginx.conf")
_GENERATED_HEADER = (
    "# GENERATED from deploy/nginx/jointcheck.conf.template by `python -m jcdev gateway-config --write`\n"
    "# (jcdev.nginx.DEPLOYMENT). Do not edit: change the template or the settings and re-render.\n"
)


def deployment_rendering() -> str:
    return _GENERATED_HEADER + render_gateway_config(DEPLOYMENT)


def write_deployment_renderings(root: Path = ROOT) -> list[Path]:
    """Rewrite the deployment renderings that differ; returns those changed."""
    text = deployment_rendering()
    changed = []
    for rel in DEPLOYMENT_RENDERINGS:
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


# ------------------------------------------------------------------ running nginx


def _port_of(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return (host or "127.0.0.1"), int(port)


@dataclass
class Gateway:
    """nginx on a rendered configuration, in its own working directory (no root needed)."""

    nginx: str
    cfg: GatewayConfig
    workdir: Path
    process: subprocess.Popen | None = None

    @property
    def conf_path(self) -> Path:
        return self.workdir / "nginx.conf"

    @property
    def url(self) -> str:
        host, port = _port_of(self.cfg.listen)
        return f"http://{host}:{port}"

    def render(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        Path(self.cfg.temp_dir).mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text(render_gateway_config(self.cfg), encoding="utf-8")
        return self.conf_path

    def _cmd(self, *extra: str) -> list[str]:
        return [self.nginx, "-e", "stderr", "-p", str(self.workdir), "-c", str(self.conf_path), *extra]

    def check(self) -> str:
        """``nginx -t``: the rendered file is a valid configuration (raises otherwise)."""
        self.render()
        done = subprocess.run(self._cmd("-t"), capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{done.stderr}")
        return done.stderr

    def start(self, timeout: float = 15) -> Gateway:
        self.check()
        log = open(self.workdir / "nginx.log", "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            self._cmd("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        host, port = _port_of(self.cfg.listen)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"nginx did not listen on {self.cfg.listen} within {timeout}s") from None
                time.sleep(0.05)

    def log(self) -> str:
        path = self.workdir / "nginx.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
