"""Certificate PDFs. The only module in Linli that imports ReportLab.

`render_certificate_pdf` is a pure function: same snapshot, code and URL -> same bytes
(the canvas is `invariant`, so no creation date or random document id goes in, and the
font file is vendored). The text is set in WenQuanYi Micro Hei, a TrueType-outline CJK
font that ReportLab subsets and embeds, so it renders and extracts on any machine.
"""

import io
import itertools
import threading
from datetime import date
from pathlib import Path

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from backend.core.formatting import date_zh, hours_zh

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT = "LinliWenQuanYiMicroHei"

PAGE_W, PAGE_H = landscape(A4)
MARGIN_X = 112
BODY_TOP = PAGE_H - 276
BODY_HEIGHT = BODY_TOP - 182  # the lowest baseline stays above the issuer and the QR code
BODY_MIN_SIZE = 11
LEADING = 1.8
RED = colors.HexColor("#9B1B1B")
GOLD = colors.HexColor("#B8892B")
INK = colors.HexColor("#222222")
GREY = colors.HexColor("#666666")

HEADINGS = {
    "COURSE_COMPLETION": ("结业证书", "CERTIFICATE OF COMPLETION"),
    "SERVICE_HOURS": ("志愿服务证明", "CERTIFICATE OF VOLUNTEER SERVICE"),
}
# A line may not start with these (Chinese line-breaking rule): they stay on the line before.
_NO_LINE_START = set("，。、；：！？）》」』”’%,.;:!?)")

# ReportLab keeps fonts and some state in module globals; render one document at a time.
_lock = threading.Lock()


def _ensure_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))


def _fmt_date(value) -> str:
    if not value:
        return ""
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return date_zh(d)


def _fmt_hours(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return hours_zh(value)
    except (ArithmeticError, ValueError):
        return str(value)


def body_lines(snapshot: dict) -> list[str]:
    """The paragraphs under the holder's name: given in the snapshot, or worded by kind."""
    if snapshot.get("lines"):
        return [str(line) for line in snapshot["lines"]]
    title = snapshot.get("title", "")
    hours = _fmt_hours(snapshot.get("hours"))
    period = snapshot.get("period", "")
    when = f"于{period}" if period else ""
    if snapshot.get("kind") == "SERVICE_HOURS":
        text = f"{when}参加“{title}”志愿服务" if title else f"{when}参加志愿服务"
        if hours:
            text += f"，经{snapshot.get('issuer_name', '')}审核确认，累计服务时长{hours}小时"
        text += "。"
        content = snapshot.get("content") or []
        if isinstance(content, str):
            content = [content]
        if content:
            text += f"服务内容：{'、'.join(str(item) for item in content)}。"
        return [text + "特此证明。"]
    text = f"{when}参加“{title}”培训"
    if hours:
        text += f"，共计{hours}学时"
    return [text + "，完成全部学习要求，考核合格，准予结业。特发此证。"]


def _wrap(text: str, size: float, width: float, indent: float = 0) -> list[str]:
    lines, line = [], ""
    limit = width - indent
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > limit and line \
                and char not in _NO_LINE_START:
            lines.append(line)
            line, limit = "", width
        line += char
    if line:
        lines.append(line)
    return lines


def _layout_body(paragraphs: list[str]) -> tuple[float, list[tuple[float, str]]]:
    """Shrink the body until it fits between the name and the issuer block; a text too
    long even at the smallest size is cut with an ellipsis rather than overprinted."""
    width = PAGE_W - 2 * MARGIN_X
    size: float
    for size in range(17, BODY_MIN_SIZE - 1, -1):
        lines: list[tuple[float, str]] = [(2 * size if i == 0 else 0, line)
                 for paragraph in paragraphs
                 for i, line in enumerate(_wrap(paragraph, size, width, indent=2 * size))]
        if len(lines) <= 1 + BODY_HEIGHT // (size * LEADING):
            return size, lines
    keep = int(1 + BODY_HEIGHT // (BODY_MIN_SIZE * LEADING))
    lines = lines[:keep]
    lines[-1] = (lines[-1][0], lines[-1][1][:-1] + "…")
    return BODY_MIN_SIZE, lines


def _fit(text: str, size: float, width: float, minimum: float) -> float:
    while size > minimum and pdfmetrics.stringWidth(text, FONT, size) > width:
        size -= 1
    return size


def _frame(c: canvas.Canvas) -> None:
    c.setFillColor(colors.HexColor("#FFFCF5"))
    c.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    c.setStrokeColor(RED)
    c.setLineWidth(4)
    c.rect(22, 22, PAGE_W - 44, PAGE_H - 44)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.rect(32, 32, PAGE_W - 64, PAGE_H - 64)
    # Small corner squares: a quiet ornament that prints well in black and white too.
    c.setFillColor(GOLD)
    for x, y in ((32, 32), (PAGE_W - 32, 32), (32, PAGE_H - 32), (PAGE_W - 32, PAGE_H - 32)):
        c.rect(x - 4, y - 4, 8, 8, stroke=0, fill=1)


def _qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as one path of horizontal runs on a white quiet zone.

    ReportLab's own encoder (the one behind reportlab.graphics.barcode.qr's widget) is used
    once; the widget itself encodes twice and builds a shape object per run, which was
    85 % of the rendering time.
    """
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(url)
    qr.make()
    count, border = qr.getModuleCount(), 4
    box = size / (count + 2 * border)
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    path = c.beginPath()
    for row, modules in enumerate(qr.modules):
        col = 0
        for dark, run in itertools.groupby(bool(m) for m in modules):
            length = len(list(run))
            if dark:
                path.rect(x + (col + border) * box, y + size - (row + border + 1) * box,
                          length * box, box)
            col += length
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)


def render_certificate_pdf(snapshot: dict, code: str, verify_url: str) -> bytes:
    """One A4 landscape page: heading, holder, body, issuer and date, code and QR code.

    `snapshot` keys: kind, holder_name, title, issuer_name, issued_on (ISO date); optional
    hours, period, content (list of service items), lines (replaces the worded body),
    valid_until (ISO date). `code` is printed as given (use the display form).
    """
    with _lock:
        _ensure_font()
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
        heading, heading_en = HEADINGS.get(snapshot.get("kind", ""),
                                           HEADINGS["COURSE_COMPLETION"])
        c.setTitle(f"{heading} {code}")
        c.setAuthor(str(snapshot.get("issuer_name", "")))
        c.setSubject(str(snapshot.get("title", "")))
        c.setCreator("Linli")
        _frame(c)

        c.setFillColor(RED)
        c.setFont(FONT, 46)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 118, heading, charSpace=16)
        c.setFillColor(GOLD)
        c.setFont(FONT, 10)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 142, heading_en, charSpace=3)
        c.setStrokeColor(GOLD)
        c.setLineWidth(0.8)
        c.line(PAGE_W / 2 - 120, PAGE_H - 154, PAGE_W / 2 + 120, PAGE_H - 154)

        name = str(snapshot.get("holder_name", ""))
        size = _fit(name, 36, PAGE_W - 2 * MARGIN_X, 18)
        c.setFillColor(INK)
        c.setFont(FONT, size)
        c.drawCentredString(PAGE_W / 2, PAGE_H - 218, name, charSpace=6)
        name_w = pdfmetrics.stringWidth(name, FONT, size) + 6 * max(len(name) - 1, 0)
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        half = max(name_w / 2 + 24, 90)
        c.line(PAGE_W / 2 - half, PAGE_H - 228, PAGE_W / 2 + half, PAGE_H - 228)

        size, lines = _layout_body(body_lines(snapshot))
        c.setFont(FONT, size)
        y = BODY_TOP
        for indent, line in lines:
            c.drawString(MARGIN_X + indent, y, line)
            y -= size * LEADING

        right = PAGE_W - MARGIN_X
        c.setFont(FONT, 17)
        c.drawRightString(right, 142, str(snapshot.get("issuer_name", "")))
        c.setFont(FONT, 15)
        c.drawRightString(right, 116, _fmt_date(snapshot.get("issued_on")))
        if snapshot.get("valid_until"):
            c.setFillColor(GREY)
            c.setFont(FONT, 11)
            c.drawRightString(right, 94, f"有效期至 {_fmt_date(snapshot['valid_until'])}")

        qr_x, qr_y, qr_size = 62, 58, 104
        _qr(c, verify_url, qr_x, qr_y, qr_size)
        text_x = qr_x + qr_size + 10
        c.setFillColor(INK)
        c.setFont(FONT, 13)
        c.drawString(text_x, qr_y + 70, f"证书编号：{code}")
        c.setFillColor(GREY)
        c.setFont(FONT, 9)
        c.drawString(text_x, qr_y + 48, "扫描二维码或访问以下网址查验真伪：")
        c.drawString(text_x, qr_y + 34, verify_url)

        c.showPage()
        c.save()
        return buffer.getvalue()
