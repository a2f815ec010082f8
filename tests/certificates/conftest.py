import pytest
from django.core.cache import cache

from tests.factories.certificates import CertificateFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path, monkeypatch):
    """PDFs go to a temporary folder, for this process and for a Celery worker it starts."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    monkeypatch.setenv("MEDIA_ROOT", str(root))
    return root


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # The lookup rate limit counts in the cache; each test starts with a clean count.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def holder(user_factory, community):
    return user_factory(display_name="欧阳小明", community=community)


@pytest.fixture
def certificate(holder, community):
    """Issued by 金口路社区 (in 八大关街道, which `coordinator` coordinates)."""
    return CertificateFactory(holder=holder, issuer_community=community,
                              snapshot={"title": "如何运营微信公众号", "hours": 12,
                                        "period": "2026年10月至11月"})


@pytest.fixture
def certificate_factory(db):
    return CertificateFactory
