"""The shopper's side: assignments, the visit form, drafts, photos, submission.

Services live in their own modules (`submissions`, `drafts`, `assignments`, `quality`,
`scores`, `photos`); the blueprint is in `views`, so that a job can use a service
without importing a view.
"""
