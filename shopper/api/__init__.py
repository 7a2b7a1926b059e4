"""JSON API v1 (spec/contract.md) and its OpenAPI document; the blueprint is in `views`."""
