"""Readiness of the event broker, for /readyz (django-health-check).

The library's own RabbitMQ check needs aio-pika; this one uses pika, as the relay and the
consumers do, in the thread the library runs synchronous checks in.
"""

import dataclasses
import datetime

import pika
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from .broker import connect


@dataclasses.dataclass
class RabbitMQ(HealthCheck):
    """A node of RABBITMQ_URL accepts a connection and opens a channel."""

    timeout = datetime.timedelta(seconds=3)

    def run(self) -> None:
        try:
            with connect(timeout=self.timeout.total_seconds()) as connection:
                connection.channel()
        except pika.exceptions.AMQPError as error:
            # The class says enough (refused, timed out, authentication); its text may
            # carry the broker's address.
            raise ServiceUnavailable(type(error).__name__) from error
