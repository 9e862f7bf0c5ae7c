from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "fengqiao.evaluation"
    verbose_name = "考核评价"
