"""Alembic migrations for the netwave store (run through services.store.migrate)."""
