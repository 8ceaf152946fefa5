"""Helper nodes for transport tests. They prove the middleware, not any product feature."""
