"""The PDF: Chinese text that extracts back, a QR code that decodes to the verify URL,
an embedded TrueType font, and the same bytes for the same input."""

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader

from backend.certificates.renderer import render_certificate_pdf

ROOT = Path(__file__).resolve().parents[2]
URL = "https://linli.example.cn/verify/ABCDE23456"
COURSE = {
    "kind": "COURSE_COMPLETION", "holder_name": "欧阳小明", "title": "如何运营微信公众号",
    "hours": 12, "period": "2026年10月至11月", "issuer_name": "八大关街道金口路社区",
    "issued_on": "2026-11-25",
}
HOURS = {
    "kind": "SERVICE_HOURS", "holder_name": "夏丽华", "title": "365便民服务队",
    "hours": 36.5, "period": "2026年1月至6月", "content": ["理发", "微信辅导"],
    "issuer_name": "八大关街道", "issued_on": "2026-07-01", "valid_until": "2027-06-30",
}


def _pypdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pdfium_text(pdf: bytes) -> str:
    page = pdfium.PdfDocument(pdf)[0]
    return page.get_textpage().get_text_range()


def _qr_texts(pdf: bytes) -> list[str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_chinese_name_title_and_code_extract_back_with_two_extractors():
    # when a course certificate is rendered
    pdf = render_certificate_pdf(COURSE, "ABCDE-23456", URL)
    # then both pypdf and PDFium read back the Chinese text and the code
    for text in (_pypdf_text(pdf), _pdfium_text(pdf)):
        assert "结业证书" in text
        assert "欧阳小明" in text
        assert "如何运营微信公众号" in text
        assert "12学时" in text
        assert "八大关街道金口路社区" in text
        assert "2026年11月25日" in text
        assert "ABCDE-23456" in text
        assert URL in text


def test_the_qr_code_decodes_to_the_verification_url():
    pdf = render_certificate_pdf(COURSE, "ABCDE-23456", URL)
    assert _qr_texts(pdf) == [URL]


def test_a_service_hours_certificate_states_hours_content_and_issuer():
    pdf = render_certificate_pdf(HOURS, "XYZ23-45678", URL)
    text = _pdfium_text(pdf)
    assert "志愿服务证明" in text
    assert "夏丽华" in text
    assert "36.5小时" in text
    assert "理发、微信辅导" in text
    assert "八大关街道" in text
    assert "有效期至 2027年6月30日" in text
    assert _qr_texts(pdf) == [URL]


def test_the_font_is_embedded_truetype_not_a_viewer_supplied_cid_font():
    pdf = render_certificate_pdf(COURSE, "ABCDE-23456", URL)
    assert b"/FontFile2" in pdf  # an embedded TrueType font program (subset)
    assert b"STSong" not in pdf
    # and it actually draws: the rendered page has dark pixels where the name is
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    name_band = image.crop((300, 180, 540, 220))
    assert min(name_band.get_flattened_data()) < 100


def test_same_input_gives_the_same_bytes_in_this_and_another_process():
    # given the same snapshot rendered twice here
    first = render_certificate_pdf(COURSE, "ABCDE-23456", URL)
    assert render_certificate_pdf(COURSE, "ABCDE-23456", URL) == first
    # when a fresh interpreter renders it too
    script = ("import hashlib, json, sys; from backend.certificates.renderer import "
              "render_certificate_pdf as r; a = json.loads(sys.argv[1]); "
              "print(hashlib.sha256(r(a, 'ABCDE-23456', sys.argv[2])).hexdigest())")
    out = subprocess.run([sys.executable, "-c", script, json.dumps(COURSE), URL], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    # then the bytes are identical
    assert out == hashlib.sha256(first).hexdigest()
    # and a different input gives different bytes
    assert render_certificate_pdf({**COURSE, "holder_name": "张三"}, "ABCDE-23456", URL) != first


def test_a_long_name_and_body_stay_on_the_page():
    snapshot = {**COURSE, "holder_name": "阿卜杜热合曼·买买提明", "lines": ["很长的正文。" * 40]}
    pdf = render_certificate_pdf(snapshot, "ABCDE-23456", URL)
    text = _pdfium_text(pdf)
    assert "阿卜杜热合曼·买买提明" in text
    assert "ABCDE-23456" in text
    assert _qr_texts(pdf) == [URL]
