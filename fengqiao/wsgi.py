import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
application = get_wsgi_application()


def _warm_up():
    """Load the text classifier (about a second) before the first intake needs it."""
    from fengqiao.triage.classify import classify

    classify("预热")


threading.Thread(target=_warm_up, name="fengqiao-warm-up", daemon=True).start()
