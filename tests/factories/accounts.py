import factory
from django.conf import settings
from factory.django import DjangoModelFactory

from backend.accounts.models import Community, Role, RoleAssignment, Street, User

PASSWORD = "test-pass-123"


class StreetFactory(DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试第{n}街道")
    sort_order = factory.Sequence(lambda n: n)


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试第{n}社区")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"张{n}三")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    community = factory.SubFactory(CommunityFactory)
    # People in tests have consented to the current privacy notice (API.md "Consent");
    # tests of consent itself pass consent_version="".
    consent_version = factory.LazyFunction(lambda: settings.PRIVACY_NOTICE_VERSION)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.RESIDENT


def user_with_role(role: str, *, street=None, community=None, **user_kwargs) -> User:
    """A user holding `role` over the given unit (the unit the role needs by its kind)."""
    user = UserFactory(**({"community": community} if community else {}), **user_kwargs)
    scope = {}
    if role == Role.STREET_COORDINATOR:
        scope["street"] = street or user.community.street
    elif role == Role.COMMUNITY_STAFF:
        scope["community"] = community or user.community
    RoleAssignment.objects.create(user=user, role=role, **scope)
    if role in (Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
