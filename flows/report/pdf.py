"""PDF beside a report: LibreOffice headless converts the .docx.

The official fonts are mapped to free ones (`reports/fonts/fonts.conf`, through
FONTCONFIG_FILE) so Chinese renders with the right kind of face: Song, Hei, Kai. Each
conversion uses its own LibreOffice profile, so two can run at once; it starts as a copy of
the profile the first conversion made (kept in ~/.cache/taizhang/), which saves LibreOffice
building one each time.
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
    kept = Path.home() / ".cache" / "taizhang" / "libreoffice-profile"
    with tempfile.TemporaryDirectory(prefix="taizhang-lo-") as profile:
        if kept.is_dir():
            shutil.copytree(kept, profile, dirs_exist_ok=True, symlinks=True)
        done = subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
            capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": profile},
        )
        pdf = docx.with_suffix(".pdf")
        if done.returncode != 0 or not pdf.exists():
            raise PdfUnavailable(f"LibreOffice could not convert {docx.name}: "
                                 f"{(done.stderr or done.stdout).strip()[-500:]}")
        if not kept.is_dir():
            _keep(Path(profile), kept)
    return pdf


def _keep(profile: Path, kept: Path) -> None:
    """Keep a profile LibreOffice made for the next conversions (whole, or not at all)."""
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
    try:
        shutil.copytree(profile, partial, symlinks=True)
        partial.rename(kept)
    except OSError:  # another conversion kept one first, or no room: the next one makes its own
        shutil.rmtree(partial, ignore_errors=True)
