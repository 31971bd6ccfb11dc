"""Test configuration: the platform fixtures (real PostgreSQL, per-service clients, tokens)."""

import os

import pytest
from hypothesis import settings

pytest_plugins = ["jcdev.testing"]

# CI runs property tests with a fixed seed, so a red run is reproducible and not luck;
# developers get fresh random examples each run.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def apps(apps):
    """The platform's apps, with planning's registry client reaching the registry app in process
    (approval and preview ask the registry for counts and the inspector pool), and sampling's planning
    client the planning app (entropy is accepted only while the task may still be drawn)."""
    import httpx

    from jointcheck.clients import PlanningClient, RegistryClient, planning_client, registry_client

    planning, sampling = apps["planning"], apps["sampling"]
    to_registry = httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["registry"]), timeout=30)
    planning.dependency_overrides[registry_client] = lambda: RegistryClient(planning.state.settings, http=to_registry)
    to_planning = httpx.AsyncClient(transport=httpx.ASGITransport(app=planning), timeout=30)
    sampling.dependency_overrides[planning_client] = lambda: PlanningClient(sampling.state.settings, http=to_planning)
    return apps
