"""Derive the matching candidate table again from the roster (after a bulk load that went
around the services, or to check nothing drifted)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from volunteers import candidates


class Command(BaseCommand):
    help = "重建志愿者匹配候选表（由技能、资质、可服务时间和状态推导）"

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            rows = candidates.rebuild()
        self.stdout.write(f"matching candidates: {rows} rows in "
                          f"{time.perf_counter() - started:.1f} s")
