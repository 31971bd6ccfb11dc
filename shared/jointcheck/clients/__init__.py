"""One typed client per callee service, returning the published contracts (:mod:`jointcheck.contracts`).

Built on :class:`jointcheck.http.ServiceClient` (the process-wide ``httpx.AsyncClient``, the
service token, the request id). Routes receive them as FastAPI dependencies — ``Registry``,
``Planning``, ``Results``, ``Sampling``, ``Audit``, ``Platform``, ``Gsxt`` — and pass them down; business logic never builds one,
so tests (and deployments) decide where each callee lives (``app.dependency_overrides`` on
``registry_client`` …).
"""

from jointcheck.clients.audit import Audit, AuditClient, audit_client
from jointcheck.clients.gsxt import Gsxt, GsxtClient, GsxtRejected, GsxtTransport, GsxtUnavailable, gsxt_client
from jointcheck.clients.planning import Planning, PlanningClient, planning_client
from jointcheck.clients.platform import Platform, PlatformClient, platform_client
from jointcheck.clients.registry import Registry, RegistryClient, registry_client
from jointcheck.clients.results import Results, ResultsClient, results_client
from jointcheck.clients.sampling import Sampling, SamplingClient, sampling_client

__all__ = [
    "Audit",
    "AuditClient",
    "Gsxt",
    "GsxtClient",
    "GsxtRejected",
    "GsxtTransport",
    "GsxtUnavailable",
    "Planning",
    "PlanningClient",
    "Platform",
    "PlatformClient",
    "Registry",
    "RegistryClient",
    "Results",
    "ResultsClient",
    "Sampling",
    "SamplingClient",
    "audit_client",
    "gsxt_client",
    "planning_client",
    "platform_client",
    "registry_client",
    "results_client",
    "sampling_client",
]
