from django.apps import AppConfig


class BasedataConfig(AppConfig):
    name = "fengqiao.basedata"
    verbose_name = "基础数据"
