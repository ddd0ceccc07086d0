"""Observability: what netwave's processes tell operators about themselves (traces: tracing.py).

See docs/observability.md.
"""
