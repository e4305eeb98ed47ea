from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "zhengwu.kernel"
    label = "kernel"
    verbose_name = "平台内核 / Kernel"
