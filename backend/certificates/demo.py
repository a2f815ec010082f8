"""Demo certificates: one for the demo resident, so `证书` and /verify/ have something to
show; re-rendered when PUBLIC_BASE_URL changed since it was printed (`make run HOST=…`)."""

from backend.accounts.models import User
from backend.core.demo import DemoContext

from . import services
from .models import Certificate, CertificateKind

DEMO_CERTIFICATES = [
    # (source key, holder, kind, snapshot)
    (f"{services.DEMO_SOURCE_PREFIX}resident:wechat-basics", "resident",
     CertificateKind.COURSE_COMPLETION, {"title": "微信入门：聊天、视频与公众号", "hours": "6"}),
]


def seed(ctx: DemoContext) -> None:
    created = 0
    for source_key, username, kind, snapshot in DEMO_CERTIFICATES:
        holder = User.objects.filter(username=username).first()
        if holder is None:
            continue
        _, new = services.certificate_issue(kind=kind, holder=holder, source_key=source_key,
                                            snapshot=snapshot)
        created += new
    rerendered = sum(
        services.demo_certificate_rerender(certificate=certificate)
        for certificate in Certificate.objects.filter(
            source_key__startswith=services.DEMO_SOURCE_PREFIX))
    ctx.count("证书", created, Certificate.objects.filter(
        source_key__startswith=services.DEMO_SOURCE_PREFIX).count())
    if rerendered:
        ctx.step(f"按新的访问地址重新生成演示证书：{rerendered} 份")
