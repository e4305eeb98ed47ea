from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "zhengwu.metrics"
    label = "metrics"
    verbose_name = "考核指标 / Indicators"
