"""Repository functions: keyword-only, take a Session, return frozen models (never ORM rows)."""
