"""The ``opensearch`` probe: OpenSearch's ``GET /_cluster/health``, as the ``elasticsearch`` probe.

Same settings (without ``api_key``), phases, metrics and error classes as ``elasticsearch``;
green, yellow and red are up, degraded (or what ``yellow`` says) and down. Credentials are
HTTP Basic (the security plugin's internal users); request signing for Amazon OpenSearch
Service is not supported.
"""

from __future__ import annotations

from warden.probes._base import register
from warden.probes.elasticsearch import ClusterHealthProbe, SearchConfig


class OpensearchConfig(SearchConfig):
    """An OpenSearch cluster's base URL, Basic credentials and health limits."""


@register
class OpensearchProbe(ClusterHealthProbe[OpensearchConfig]):
    type = "opensearch"
    config_model = OpensearchConfig
    product = "OpenSearch"
