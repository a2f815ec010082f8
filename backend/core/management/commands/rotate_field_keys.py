from django.core.management.base import BaseCommand

from backend.core.key_rotation import rotate_field_keys


class Command(BaseCommand):
    help = ("用 FIELD_ENCRYPTION_KEYS 中最新（第一个）密钥重新加密所有加密字段；"
            "--rehash 同时按 FIELD_HASH_KEY 重算查询摘要。完成后才可移除旧密钥。")

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true",
                            help="FIELD_HASH_KEY 更换后重算手机号、证件编号的查询摘要。")

    def handle(self, *args, rehash=False, **options):
        report = rotate_field_keys(rehash=rehash)
        for label, rows in report.rows.items():
            self.stdout.write(f"{label}: {rows}")
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {report.total} rows"))
