"""Readiness of Elasticsearch, for /readyz (django-health-check)."""

import dataclasses
import datetime

from elastic_transport import TransportError
from elasticsearch import ApiError
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from .client import elasticsearch_client


@dataclasses.dataclass
class Elasticsearch(HealthCheck):
    """ELASTICSEARCH_URL's cluster answers, and its status is not red (yellow serves every
    search: only replicas are missing)."""

    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        client = elasticsearch_client().options(request_timeout=self.timeout.total_seconds())
        try:
            status = client.cluster.health()["status"]
        except (ApiError, TransportError) as error:
            raise ServiceUnavailable(type(error).__name__) from error
        if status == "red":
            raise ServiceUnavailable("cluster status red")
