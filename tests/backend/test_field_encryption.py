"""Personal data at rest (issue #13, build item 2 and 3): encrypted columns, lookup hashes,
key rotation, the keys required in production, GB 11643 and the shared-cache deploy check."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.core import checks
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import connection

from backend.accounts import selectors as account_selectors
from backend.accounts.models import User
from backend.core import crypto
from backend.core.migration_ops import encrypt_columns
from backend.core.validators import id_number_check_character, validate_id_number
from backend.wechat.models import WeChatAccount
from tests.factories.accounts import UserFactory
from tests.factories.volunteers import VolunteerFactory
from tests.factories.wechat import WeChatAccountFactory
from volunteers.models import Credential
from volunteers.services import credentials as credential_services

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13812345678"


def raw(model, column, pk):
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(column)} FROM {q(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def raw_set(model, column, pk, value):
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {q(model._meta.db_table)} SET {q(column)} = %s WHERE id = %s",
                       [value, pk])


@pytest.mark.django_db
def test_phone_and_address_are_stored_encrypted_and_read_back_clear(community):
    user = UserFactory(phone=PHONE, address="青岛市市南区金口路3号", community=community)
    stored_phone, stored_address = raw(User, "phone", user.pk), raw(User, "address", user.pk)
    assert PHONE not in stored_phone and stored_phone.startswith(crypto.TOKEN_PREFIX)
    assert "金口路" not in stored_address
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.address) == (PHONE, "青岛市市南区金口路3号")
    assert fresh.phone_hash == crypto.phone_hash(PHONE) and PHONE not in fresh.phone_hash
    # Randomised: the same phone gives different tokens, so equal tokens reveal nothing.
    other = UserFactory(phone=PHONE, community=community)
    assert raw(User, "phone", other.pk) != stored_phone


@pytest.mark.django_db
def test_filtering_by_an_encrypted_value_is_refused_but_the_hash_finds_couples(community,
                                                                              community_staff):
    husband = UserFactory(phone=PHONE, display_name="王大爷", community=community)
    wife = UserFactory(phone="138-1234-5678", display_name="李阿姨", community=community)
    UserFactory(phone="13900000000", community=community)
    with pytest.raises(FieldError):
        list(User.objects.filter(phone=PHONE))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__contains="1234"))
    assert User.objects.filter(phone="").count() == 0  # blank stays queryable
    found = account_selectors.desk_people_search(community_staff, PHONE)
    assert {u.pk for u in found} == {husband.pk, wife.pk}


@pytest.mark.django_db
def test_wechat_account_secrets_are_encrypted_at_rest():
    account = WeChatAccountFactory(app_secret="s3cr3t-app-secret", token="callback-token-1",
                                   encoding_aes_key="a" * 43)
    for column, clear in (("app_secret", "s3cr3t-app-secret"), ("token", "callback-token-1"),
                          ("encoding_aes_key", "a" * 43)):
        stored = raw(WeChatAccount, column, account.pk)
        assert clear not in stored and crypto.is_token(stored)
    fresh = WeChatAccount.objects.get(pk=account.pk)
    assert (fresh.app_secret, fresh.token) == ("s3cr3t-app-secret", "callback-token-1")


@pytest.mark.django_db
def test_credential_number_encrypted_unique_per_volunteer_through_its_hash(community):
    volunteer = VolunteerFactory(user__community=community)
    first = credential_services.credential_grant(
        volunteer=volunteer, type_code="health_certificate", number="JKZ-2026-0001",
        valid_from=date(2026, 1, 1), valid_until=None)
    again = credential_services.credential_grant(
        volunteer=volunteer, type_code="health_certificate", number=" JKZ-2026-0001 ",
        valid_from=date(2026, 1, 1), valid_until=None)
    assert again.pk == first.pk and Credential.objects.filter(volunteer=volunteer).count() == 1
    assert "JKZ" not in raw(Credential, "number", first.pk)


def test_gb11643_validator():
    validate_id_number("11010519491231002X")  # the standard's own example
    validate_id_number("11010519491231002x")
    assert id_number_check_character("11010519491231002") == "X"
    with pytest.raises(ValidationError, match="校验位不正确"):
        validate_id_number("110105194912310021")
    with pytest.raises(ValidationError, match="出生日期"):
        validate_id_number("110105194913310024")
    with pytest.raises(ValidationError, match="18位"):
        validate_id_number("11010519491231002")


@pytest.mark.django_db
def test_an_id_shaped_credential_number_must_pass_the_checksum(community):
    volunteer = VolunteerFactory(user__community=community)
    with pytest.raises(ValidationError) as caught:
        credential_services.credential_grant(
            volunteer=volunteer, type_code="health_certificate", number="110105194912310021",
            valid_from=date(2026, 1, 1), valid_until=None)
    assert "校验位不正确" in str(caught.value)
    assert not Credential.objects.filter(volunteer=volunteer).exists()
    ok = credential_services.credential_grant(
        volunteer=volunteer, type_code="health_certificate", number="11010519491231002X",
        valid_from=date(2026, 1, 1), valid_until=None)
    assert ok.pk


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_newest_key_and_rehash(settings, community):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    user = UserFactory(phone=PHONE, address="金口路3号", community=community)
    account = WeChatAccountFactory(app_secret="app-secret-x")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: all must still open
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert User.objects.get(pk=user.pk).address == "金口路3号"
    assert WeChatAccount.objects.get(pk=account.pk).app_secret == "app-secret-x"
    assert Fernet(new_key.encode()).decrypt(raw(User, "phone", user.pk).encode()) == PHONE.encode()

    settings.FIELD_HASH_KEY = "a-new-hash-key"
    assert User.objects.get(pk=user.pk).phone_hash != crypto.phone_hash(PHONE)
    call_command("rotate_field_keys", "--rehash", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert User.objects.get(pk=user.pk).phone_hash == crypto.phone_hash(PHONE)


@pytest.mark.django_db
def test_a_lost_key_is_an_error_not_garbage(settings, community):
    user = UserFactory(phone=PHONE, community=community)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_the_data_migration_encrypts_clear_text_rows_once(community):
    user = UserFactory(phone=PHONE, address="", community=community)
    raw_set(User, "phone", user.pk, PHONE)  # as the row was before the migration
    raw_set(User, "phone_hash", user.pk, "")
    operation = encrypt_columns("accounts", "user", ["phone", "address"],
                                {"phone_hash": ("phone", "phone")})
    # What the RunPython uses of a schema editor (SQLite's refuses to open in a test's
    # transaction).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    operation.code(django_apps, editor)
    first = raw(User, "phone", user.pk)
    operation.code(django_apps, editor)  # twice: already-encrypted rows are left alone
    assert crypto.is_token(first) and raw(User, "phone", user.pk) == first
    assert User.objects.get(pk=user.pk).phone_hash == crypto.phone_hash(PHONE)
    operation.reverse_code(django_apps, editor)
    assert raw(User, "phone", user.pk) == PHONE


def _settings_import(**env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import backend.settings as s; print(len(s.FIELD_ENCRYPTION_KEYS))"],
        cwd=ROOT, env={**base, "SECRET_KEY": "x" * 50, **env}, capture_output=True, text=True,
        timeout=60)


def test_keys_are_required_with_debug_off_and_derived_with_it_on():
    refused = _settings_import(DEBUG="0")
    assert refused.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in refused.stderr and "Fernet.generate_key" in refused.stderr
    given = _settings_import(DEBUG="0", FIELD_HASH_KEY="h",
                             FIELD_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},"
                                                   f"{Fernet.generate_key().decode()}")
    assert given.returncode == 0 and given.stdout.strip() == "2"
    assert _settings_import(DEBUG="1").stdout.strip() == "1"


def _deploy_errors():
    return [m.id for m in checks.run_checks(include_deployment_checks=True,
                                            tags=[checks.Tags.caches])]


def test_deploy_check_requires_a_shared_cache_in_production(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "linli.E001" in _deploy_errors()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert "linli.E001" in _deploy_errors()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/6"}}
    assert "linli.E001" not in _deploy_errors()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DEBUG = True
    assert "linli.E001" not in _deploy_errors()
    # Not a deploy run: the error is not raised by a plain `check`.
    settings.DEBUG = False
    assert "linli.E001" not in [m.id for m in checks.run_checks(tags=[checks.Tags.caches])]


def test_short_encrypted_fields_keep_a_one_line_input_and_their_length_limit():
    phone = User._meta.get_field("phone").formfield()
    assert phone.widget.input_type == "text" and phone.max_length == 11
    with pytest.raises(ValidationError):
        User._meta.get_field("phone").clean("138123456789", None)
