"""The shopper's side: assignments, the visit form, drafts, photos, submission."""
