import os

from django.core.wsgi import get_wsgi_application

from provmap.memory import settle_after_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.settings")
application = get_wsgi_application()
settle_after_start()
