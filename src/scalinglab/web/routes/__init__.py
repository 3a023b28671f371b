"""One router per group of ``/api/v1`` endpoints, and the pages."""
