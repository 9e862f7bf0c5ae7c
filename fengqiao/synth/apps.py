from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "fengqiao.synth"
    verbose_name = "合成数据"
