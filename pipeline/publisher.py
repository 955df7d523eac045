"""Publishing a batch with publisher confirms, many messages in flight at once.

pika's BlockingChannel waits for each confirm before the next publish (one round trip per
message). Here a SelectConnection runs its I/O loop in a background thread: a batch is
published in one go and `publish()` returns once the broker confirmed every message of it,
or raises if one was nacked, returned as unroutable (`mandatory`), or the connection failed.
The I/O loop also answers heartbeats while the relay waits for work.

`Publisher` is what the relay needs of a publisher; the embedded default's in-process one
(pipeline/transport.py) delivers to the consumer groups themselves and reports a group's
failure on a message with `MessageFailed`.
"""

import logging
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

import pika
from pika.exceptions import AMQPConnectionError, AMQPError

from .broker import connection_parameters

logger = logging.getLogger(__name__)


class PublishError(AMQPError):
    """The broker refused (nack) or could not route (return) messages of a batch."""


class MessageFailed(Exception):  # an outcome the relay records, like RetryLater
    """A consumer group failed on one message of a batch (in-process delivery only).

    The messages before it were delivered, those after it were not tried. `counts` is False
    when a service the handler needs is down (`RetryLater`): that does not use up attempts.
    """

    def __init__(self, message_id: str, group: str, reason: str, *, counts: bool = True) -> None:
        super().__init__(f"{group} failed on {message_id}: {reason}")
        self.message_id, self.group, self.reason, self.counts = message_id, group, reason, counts


@dataclass(frozen=True)
class Message:
    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties

    @property
    def message_id(self) -> str:
        return str(self.properties.message_id)


class Publisher(Protocol):
    """What the relay publishes a batch through."""

    @property
    def is_open(self) -> bool: ...

    def publish(self, messages: list[Message]) -> None:
        """Return once every message is delivered. `MessageFailed` names the message that
        failed (those before it were delivered); any other error: none counts as sent."""

    def close(self) -> None: ...


class ConfirmedPublisher:
    """Publishes through the first node of `url` (one or several, broker.py) that accepts a
    connection; when that connection fails, the relay makes a new publisher."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self._batch: Future[None] | None = None
        self._pending: dict[int, str] = {}  # delivery tag → message id
        self._failed: list[str] = []
        self._returned: set[str] = set()
        self._next_tag = 0
        self._channel: Any = None
        nodes = connection_parameters(url)
        for number, parameters in enumerate(nodes, start=1):
            try:
                self._open(parameters)
                return
            except AMQPConnectionError as error:
                if number == len(nodes):
                    raise
                logger.warning("publisher: %s:%s: %s", parameters.host, parameters.port, error)

    def _open(self, parameters: pika.URLParameters) -> None:
        """Connect and open a confirming channel, within `timeout` seconds."""
        self._ready: Future[None] = Future()
        self._connection = pika.SelectConnection(
            parameters,
            on_open_callback=self._on_connection_open,
            on_open_error_callback=self._on_connection_error,
            on_close_callback=self._on_connection_closed,
        )
        self._thread = threading.Thread(
            target=self._connection.ioloop.start, name="amqp-publisher", daemon=True
        )
        self._thread.start()
        try:
            self._ready.result(self.timeout)
        except FutureTimeout:
            self.close()
            raise AMQPConnectionError("timed out connecting to RabbitMQ") from None

    # --- Called from the relay's thread ---------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._connection.is_open and self._channel is not None and self._channel.is_open

    def publish(self, messages: list[Message]) -> None:
        """Publish `messages` in order; return when all are confirmed, raise otherwise."""
        if not messages:
            return
        if not self.is_open:
            raise AMQPConnectionError("the publisher's connection is closed")
        batch: Future[None] = Future()
        self._connection.ioloop.add_callback_threadsafe(lambda: self._publish(messages, batch))
        try:
            batch.result(self.timeout)
        except FutureTimeout:
            raise AMQPConnectionError("timed out waiting for publisher confirms") from None

    def close(self) -> None:
        if self._connection.is_open:
            self._connection.ioloop.add_callback_threadsafe(self._connection.close)
        elif not self._connection.is_closed:  # still opening
            self._connection.ioloop.add_callback_threadsafe(self._connection.ioloop.stop)
        self._thread.join(timeout=10)

    # --- I/O loop thread ------------------------------------------------------------------

    def _on_connection_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Any) -> None:
        self._channel = channel
        channel.add_on_return_callback(self._on_return)
        channel.add_on_close_callback(self._on_channel_closed)
        channel.confirm_delivery(
            ack_nack_callback=self._on_confirm,
            callback=lambda _frame: self._ready.set_result(None),
        )

    def _on_connection_error(self, connection: Any, error: BaseException) -> None:
        self._fail(AMQPConnectionError(str(error)))
        connection.ioloop.stop()

    def _on_connection_closed(self, connection: Any, reason: BaseException) -> None:
        self._fail(AMQPConnectionError(f"connection closed: {reason}"))
        connection.ioloop.stop()

    def _on_channel_closed(self, channel: Any, reason: BaseException) -> None:
        self._fail(AMQPConnectionError(f"channel closed: {reason}"))
        if self._connection.is_open:
            self._connection.close()

    def _fail(self, error: Exception) -> None:
        for future in (self._ready, self._batch):
            if future is not None and not future.done():
                future.set_exception(error)

    def _publish(self, messages: list[Message], batch: Future[None]) -> None:
        self._batch, self._pending, self._failed, self._returned = batch, {}, [], set()
        try:
            for message in messages:
                self._channel.basic_publish(
                    message.exchange,
                    message.routing_key,
                    message.body,
                    message.properties,
                    mandatory=True,
                )
                self._next_tag += 1
                self._pending[self._next_tag] = message.message_id
        except Exception as error:  # handed to the waiting relay
            self._fail(AMQPConnectionError(str(error)))

    def _on_return(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        # The broker sends basic.return before the basic.ack of an unroutable message.
        self._returned.add(str(properties.message_id))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        tags = (
            [tag for tag in self._pending if tag <= method.delivery_tag]
            if method.multiple
            else [method.delivery_tag]
        )
        for tag in tags:
            message_id = self._pending.pop(tag, None)
            if message_id is not None and (not acked or message_id in self._returned):
                self._failed.append(message_id)
        if not self._pending and self._batch is not None and not self._batch.done():
            if self._failed:
                self._batch.set_exception(
                    PublishError(f"not accepted by the broker: {', '.join(self._failed[:5])}")
                )
            else:
                self._batch.set_result(None)
