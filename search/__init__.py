"""Portal search: documents, mappings, index management, query service and backends."""
