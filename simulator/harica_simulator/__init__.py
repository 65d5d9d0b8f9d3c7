"""Local simulator of the HARICA CertManager /cm/v1 API for tests and demos."""

__version__ = "0.1.0"
