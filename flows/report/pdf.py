"""PDF beside a report: LibreOffice headless converts the .docx.

The official fonts are mapped to free ones (`reports/fonts/fonts.conf`, through
FONTCONFIG_FILE) so Chinese renders with the right kind of face: Song, Hei, Kai. Each
conversion uses its own LibreOffice profile, so two can run at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flows.settings import PROJECT_ROOT

FONTS_CONF = PROJECT_ROOT / "reports" / "fonts" / "fonts.conf"


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or could not convert the document."""


def to_pdf(docx: Path, timeout: int = 180) -> Path:
    """Convert a .docx into a PDF beside it; returns the PDF's path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfUnavailable("--pdf needs LibreOffice: run scripts/setup.sh, which installs libreoffice-writer-nogui "
                             "and the Chinese fonts")
    with tempfile.TemporaryDirectory(prefix="taizhang-lo-") as profile:
        done = subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
            capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": profile},
        )
    pdf = docx.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.exists():
        raise PdfUnavailable(f"LibreOffice could not convert {docx.name}: {(done.stderr or done.stdout).strip()[-500:]}")
    return pdf
