from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "zhengwu.kernel"
    label = "kernel"
    verbose_name = "平台内核 / Kernel"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from zhengwu.kernel.pgtypes import use_compiled_timestamptz_loader

        connection_created.connect(
            use_compiled_timestamptz_loader, dispatch_uid="kernel.pgtypes.timestamptz"
        )
