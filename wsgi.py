"""Entry point for WSGI servers: `gunicorn wsgi:app`."""

from shopper import create_app

app = create_app()
