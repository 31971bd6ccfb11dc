"""``python -m jcdev run|migrate|token|samples|api-snapshot`` — what the Makefile calls.

See :mod:`jcdev.stack` for the environment variables ``run`` and ``migrate`` read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from jcdev import stack as jstack
from jcdev.demo import load_demo_if_empty
from jcdev.samples import write_samples
from jcdev.services import DEFAULT_PORTS
from jointcheck.auth import mint_token
from jointcheck.settings import DEV_JWT_SECRET


def dev_token(role: str, dept: str | None = None, subject: str | None = None) -> str:
    """A 12-hour token signed with ``JC_JWT_SECRET`` (or the development secret)."""
    secret = os.environ.get("JC_JWT_SECRET", DEV_JWT_SECRET)
    return mint_token(secret, subject=subject or f"dev-{role}", roles=[role], dept=dept, name=f"开发用 {role}")


def _stack_config(server_url: str) -> jstack.StackConfig:
    cfg = jstack.StackConfig(
        server_url=server_url,
        db_prefix=os.environ.get("JC_DB_PREFIX", "jc_"),
        workers=int(os.environ.get("JC_WORKERS") or 1),
    )
    base = os.environ.get("JC_PORT_BASE")
    if base:
        cfg.ports = {name: int(base) + port % 100 for name, port in DEFAULT_PORTS.items()}
    return cfg


def _server_url() -> str:
    server_url = jstack.configured_server_url()
    if server_url:
        print(
            f"Using the configured PostgreSQL (JC_DATABASE_URL): {make_url(server_url).render_as_string(hide_password=True)}"
        )
        return server_url
    print(f"No JC_DATABASE_URL: starting the embedded PostgreSQL in {jstack.data_dir() / 'pg'} …")
    return jstack.embedded_server_url()


async def _load_demo(cfg: jstack.StackConfig) -> None:
    headers = {"Authorization": f"Bearer {dev_token('admin', subject='system:demo-loader')}"}
    async with httpx.AsyncClient(base_url=cfg.base_url("registry"), timeout=30) as client:
        if not await load_demo_if_empty(client, headers):
            print("The registry already holds data: demo county not loaded again.")


def cmd_run(_: argparse.Namespace) -> int:
    cfg = _stack_config(_server_url())
    jstack.prepare_databases(cfg)
    stack = jstack.Stack(cfg)
    names = cfg.process_names()
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name in names:
            stack.start(name)
        stack.wait_ready(names, timeout=90)
        if os.environ.get("JC_DEMO_DATA", "1") != "0":
            asyncio.run(_load_demo(cfg))
        print("\n=== 一业一查 joint inspection services are up ===")
        for name in names:
            if name == "gateway":
                continue
            label = "GSXT emulator (公示系统模拟器)" if name == "gsxt" else name
            print(f"  {label:<32} {cfg.base_url(name)}/docs")
        if "gateway" in names:
            print(f"  {'public portal (公开门户)':<32} {cfg.base_url('gateway')}/portal/")
            print(f"  {'gateway (网关) /<service>/…':<32} {cfg.base_url('gateway')}/planning/docs …")
        print("\nDev admin token (12 h) — paste into /docs → Authorize:")
        print(f"  {dev_token('admin')}")
        print("Other roles: make token ROLE=officer DEPT=SCJG\nCtrl-C stops everything.\n", flush=True)
        while not stopping:
            for name, proc in list(stack.processes.items()):
                if proc.poll() is not None:
                    print(f"{name} exited with status {proc.returncode}; stopping everything", file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("\nStopping services …")
        stack.stop_all()
        print("Stopped. Data kept; `make run` again reuses it.")
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    jstack.prepare_databases(_stack_config(_server_url()))
    print("Every service database is at head.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    if args.role == "officer" and not args.dept:
        print("an officer token needs DEPT=<department code>", file=sys.stderr)
        return 2
    print(dev_token(args.role, args.dept, args.subject))
    return 0


def cmd_samples(args: argparse.Namespace) -> int:
    changed = write_samples(Path(args.directory))
    print("\n".join(f"wrote {p}" for p in changed) or f"{args.directory}: the samples are up to date")
    return 0


def cmd_api_snapshot(args: argparse.Namespace) -> int:
    from jcdev.contract import snapshot_services

    directory, changelog = Path(args.directory), Path(args.changelog)
    report = snapshot_services(directory, changelog)
    for service in report.written:
        print(f"wrote {directory / (service + '.json')}")
        for line in report.lines.get(service, []):
            print(f"  {changelog}: {line}")
    if report.unchanged:
        print(f"unchanged: {', '.join(report.unchanged)}")
    for lines in report.refused.values():
        print("\n".join(lines), file=sys.stderr)
    if report.lines:
        print(f"Review the new lines in {changelog} (put them in plain words if you like) and commit both.")
    return 0 if report.ok() else 1


def cmd_gateway_config(args: argparse.Namespace) -> int:
    """Render the gateway's nginx.conf: the deployment's settings, changed by the options."""
    import dataclasses

    from jcdev import nginx as gateway

    if args.write:
        changed = gateway.write_deployment_renderings()
        print("\n".join(f"wrote {p}" for p in changed) or "the deployment renderings are up to date")
        return 0
    cfg = dataclasses.replace(gateway.DEPLOYMENT, upstreams=dict(gateway.DEPLOYMENT.upstreams))
    for item in args.upstream:
        service, _, address = item.partition("=")
        cfg.upstreams[service] = address
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in fields or key == "upstreams":
            print(f"unknown gateway setting {key!r}; one of {sorted(set(fields) - {'upstreams'})}", file=sys.stderr)
            return 2
        current = getattr(cfg, key)
        setattr(
            cfg, key, tuple(v for v in value.split(",") if v) if isinstance(current, tuple) else type(current)(value)
        )
    try:
        sys.stdout.write(gateway.render_gateway_config(cfg))
    except (KeyError, ValueError) as exc:
        print(f"gateway-config: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jcdev", description=jstack.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything (make run)").set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="create and migrate every service database").set_defaults(func=cmd_migrate)
    tok = sub.add_parser("token", help="print a development token")
    tok.add_argument("--role", required=True, choices=["admin", "officer", "inspector", "auditor", "service"])
    tok.add_argument("--dept", default=None)
    tok.add_argument("--subject", default=None)
    tok.set_defaults(func=cmd_token)
    smp = sub.add_parser("samples", help="write the sample directory files (make samples)")
    smp.add_argument("directory", nargs="?", default="tests/data")
    smp.set_defaults(func=cmd_samples)
    api = sub.add_parser(
        "api-snapshot",
        help="write each service's OpenAPI document and a CHANGELOG.md line per change (make api-snapshot)",
    )
    api.add_argument("--directory", default="docs/api")
    api.add_argument("--changelog", default="CHANGELOG.md")
    api.set_defaults(func=cmd_api_snapshot)
    gw = sub.add_parser(
        "gateway-config",
        help="render the gateway's nginx.conf from deploy/nginx/jointcheck.conf.template (deploy/README.md)",
    )
    gw.add_argument("--upstream", action="append", default=[], metavar="SERVICE=HOST:PORT")
    gw.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a jcdev.nginx.GatewayConfig setting"
    )
    gw.add_argument("--write", action="store_true", help="rewrite the committed deployment renderings")
    gw.set_defaults(func=cmd_gateway_config)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
