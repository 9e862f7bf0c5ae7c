from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "fengqiao.triage"
    verbose_name = "智能研判分流"
