from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "zhengwu.dossiers"
    label = "dossiers"
    verbose_name = "一人一档 / 一企一档 / Dossiers and archives"
