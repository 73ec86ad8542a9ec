"""WSGI entry point (gunicorn serves this in `plnet run`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")
application = get_wsgi_application()
