"""PDF beside a report: LibreOffice headless converts the .docx.

The official fonts are mapped to free ones (`reports/fonts/fonts.conf`, through
FONTCONFIG_FILE) so Chinese renders with the right kind of face: Song, Hei, Kai. Each
conversion uses its own LibreOffice profile, so two can run at once; it starts as a copy of
the profile the first conversion made (kept in ~/.cache/taizhang/), which saves LibreOffice
building one each time.

LibreOffice takes about a second to start and a third of one to convert a report. A
`PdfConverter` starts it when the report starts being built; `convert` then runs
`soffice --convert-to` on the same profile, which hands the file to the instance already
running (or waits for it to be up) and returns when the PDF is written; that instance quits
after it. So the start-up is spent while the report is built, not after.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from flows.settings import PROJECT_ROOT

FONTS_CONF = PROJECT_ROOT / "reports" / "fonts" / "fonts.conf"
KEPT_PROFILE = Path.home() / ".cache" / "taizhang" / "libreoffice-profile"


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed, or could not convert the document."""


class PdfConverter:
    """LibreOffice started ahead of the report it will convert (a context manager; see above)."""

    def __init__(self, timeout: int = 180) -> None:
        self.timeout = timeout
        self.soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if self.soffice is None:
            raise PdfUnavailable("--pdf needs LibreOffice: run scripts/setup.sh, which installs "
                                 "libreoffice-writer-nogui and the Chinese fonts")
        self.profile: Path | None = None  # its own folder, from __enter__ on
        self.started: subprocess.Popen | None = None

    def __enter__(self) -> "PdfConverter":
        self.profile = Path(tempfile.mkdtemp(prefix="taizhang-lo-"))
        try:
            if KEPT_PROFILE.is_dir():
                shutil.copytree(KEPT_PROFILE, self.profile, dirs_exist_ok=True, symlinks=True)
            self.started = subprocess.Popen(self._command("--invisible"), env=self._env(), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True)
        except BaseException:
            self._end()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._end()

    def convert(self, docx: Path) -> Path:
        """The PDF of `docx`, written beside it."""
        done = subprocess.run(self._command("--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)),
                              capture_output=True, text=True, timeout=self.timeout, env=self._env())
        self._wait_for_started()  # it quits once the file it was handed is written
        pdf = docx.with_suffix(".pdf")
        if done.returncode != 0 or not pdf.exists():
            raise PdfUnavailable(f"LibreOffice could not convert {docx.name}: "
                                 f"{(done.stderr or done.stdout).strip()[-500:]}")
        if not KEPT_PROFILE.is_dir():
            _keep(self.profile, KEPT_PROFILE)
        return pdf

    def _command(self, *args: str) -> list[str]:
        return [self.soffice, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--norestore", *args]

    def _env(self) -> dict[str, str]:
        return {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": str(self.profile)}

    def _wait_for_started(self, seconds: float = 10) -> None:
        """Wait for the instance started ahead to end; stop it (and what it started) if it does not."""
        if self.started is None or self.started.poll() is not None:
            return
        try:
            self.started.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.started.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.started.wait()

    def _end(self) -> None:
        """No LibreOffice left running and no profile left behind, whatever happened."""
        if self.started is not None and self.started.poll() is None:
            try:
                os.killpg(self.started.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._wait_for_started(seconds=5)
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)


def _keep(profile: Path, kept: Path) -> None:
    """Keep a profile LibreOffice made for the next conversions (whole, or not at all)."""
    partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
    try:
        shutil.copytree(profile, partial, symlinks=True)
        partial.rename(kept)
    except OSError:  # another conversion kept one first, or no room: the next one makes its own
        shutil.rmtree(partial, ignore_errors=True)
