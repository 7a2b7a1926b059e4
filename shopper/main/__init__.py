"""The home page of each role, and the health check; the blueprint is in `views`."""
