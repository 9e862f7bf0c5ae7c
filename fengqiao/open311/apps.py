from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "fengqiao.open311"
    verbose_name = "Open311 接口"

    def ready(self):
        from fengqiao.people.crypto import register_rotation

        from .models import rotate_encrypted

        register_rotation("Open311 e-mail addresses", rotate_encrypted)
