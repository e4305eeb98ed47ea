from django.core.management.base import BaseCommand

from zhengwu.web.i18n_compile import LOCALE_DIR, compile_all


class Command(BaseCommand):
    help = "Compile the .po catalogues under src/zhengwu/locale to .mo with polib (no gettext)."

    def handle(self, *args, **options) -> None:
        for mo_path in compile_all():
            self.stdout.write(f"compiled {mo_path.relative_to(LOCALE_DIR.parent)}")
