"""Events, outbox, relay, RabbitMQ topology, consumers and worker jobs."""
