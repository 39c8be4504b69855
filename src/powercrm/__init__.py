"""powercrm: customer value, credit and audit analytics for electric utilities."""

__version__ = "0.1.0"
