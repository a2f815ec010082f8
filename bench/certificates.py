"""Certificate rendering throughput against an empty ReportLab page, in the same run.

    .venv/bin/python bench/certificates.py [--n 200]

Prints certificates per second, mean PDF size, the time of rendering an empty A4 page
with the same canvas settings (the reference) and the ratio between the two.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from backend.certificates.codes import display_code, generate_code
from backend.certificates.renderer import render_certificate_pdf

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林欧阳夏"
GIVEN = "小明丽华建国秀英志强桂兰海燕卫东玉梅"


def snapshot(i: int) -> dict:
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[i % 7: i % 7 + 1 + i % 2]
    if i % 2:
        return {"kind": "SERVICE_HOURS", "holder_name": name, "title": "365便民服务队",
                "hours": 10 + i % 50, "period": "2026年1月至6月",
                "content": ["理发", "微信辅导", "测血压"][: 1 + i % 3],
                "issuer_name": "八大关街道", "issued_on": "2026-07-01"}
    return {"kind": "COURSE_COMPLETION", "holder_name": name, "title": "如何运营微信公众号",
            "hours": 12, "period": "2026年10月至11月", "issuer_name": "八大关街道金口路社区",
            "issued_on": "2026-11-25"}


def empty_page() -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=landscape(A4), invariant=1, pageCompression=1)
    c.showPage()
    c.save()
    return buffer.getvalue()


def timed(fn, n: int) -> tuple[float, list[int]]:
    sizes = []
    start = time.perf_counter()
    for i in range(n):
        sizes.append(len(fn(i)))
    return time.perf_counter() - start, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="certificates to render")
    args = parser.parse_args()
    n = args.n

    start = time.perf_counter()
    render_certificate_pdf(snapshot(0), "ABCDE-23456", "https://x/verify/ABCDE23456")
    first = time.perf_counter() - start  # includes loading the 5 MB font file once

    codes = [generate_code() for _ in range(n)]
    cert_time, sizes = timed(
        lambda i: render_certificate_pdf(snapshot(i), display_code(codes[i]),
                                         f"https://linli.example.cn/verify/{codes[i]}"), n)
    empty_time, empty_sizes = timed(lambda i: empty_page(), n)

    per_cert = cert_time / n
    per_empty = empty_time / n
    print(f"certificates rendered      {n}")
    print(f"first render (font load)   {first * 1000:8.1f} ms")
    print(f"certificate                {per_cert * 1000:8.2f} ms each, "
          f"{n / cert_time:8.1f} certificates/s")
    print(f"mean PDF size              {statistics.mean(sizes) / 1024:8.1f} KiB "
          f"(min {min(sizes) / 1024:.1f}, max {max(sizes) / 1024:.1f})")
    print(f"reference: empty page      {per_empty * 1000:8.2f} ms each, "
          f"{n / empty_time:8.1f} pages/s, {statistics.mean(empty_sizes):.0f} bytes")
    print(f"ratio certificate / empty  {per_cert / per_empty:8.1f}x")


if __name__ == "__main__":
    main()
