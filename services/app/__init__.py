"""The application layer: one function per use case, called by REST routes and console pages."""
