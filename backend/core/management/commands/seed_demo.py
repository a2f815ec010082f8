import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.core.demo import DemoContext


class Command(BaseCommand):
    help = ("建立演示用的市南区数据（街道、社区、课程、志愿者、演示账号）。"
            "可重复运行，不会重复创建。")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="在 DEBUG 关闭（生产环境）时也运行。")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates demo accounts with a published password and refuses to run "
                "with DEBUG off. Use --force if this really is a demo installation."
            )
        ctx = DemoContext(stdout=self.stdout, style=self.style)
        started = time.monotonic()
        for app_config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.demo":
                    raise
                continue
            if not hasattr(module, "seed"):
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{app_config.verbose_name}]"))
            with transaction.atomic():
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS(
            f"演示数据就绪（{time.monotonic() - started:.1f} 秒）。"))
