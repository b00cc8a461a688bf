"""WSGI entry point: `gunicorn wsgi:app`."""
from alliance import create_app

app = create_app()
