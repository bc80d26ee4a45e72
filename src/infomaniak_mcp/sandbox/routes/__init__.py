"""sandbox/routes."""
