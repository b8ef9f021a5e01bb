#!/usr/bin/env bash
# Sets up a fresh machine: Debian's LibreOffice, Chinese fonts and poppler (for PDFs and
# charts), then a virtual environment in .venv with taizhang and its pinned dependencies.
# Safe to run again: it installs only what is missing, and reinstalls Python packages only
# when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# chromium: the tests look at the data docs and the Prefect UI in a headless browser, offline
DEBIAN_PACKAGES="libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-gkai00mp poppler-utils fontconfig chromium"

has_debian_tools() {
    command -v soffice >/dev/null && command -v pdftotext >/dev/null && command -v fc-list >/dev/null \
        && fc-list :lang=zh family | grep -q "Noto Serif CJK SC" && fc-list :lang=zh family | grep -q "AR PL KaitiM GB" \
        && command -v chromium >/dev/null
}
if ! has_debian_tools; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = none ] || ! command -v apt-get >/dev/null; then
        echo "setup: install these Debian packages for PDFs and Chinese charts: $DEBIAN_PACKAGES" >&2
    else
        echo "setup: installing $DEBIAN_PACKAGES (once)"
        $sudo apt-get update -qq
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $DEBIAN_PACKAGES >/dev/null
    fi
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[test]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# The data docs' styles and scripts (Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega), the
# versions the pages name, from npm: the pages use local copies (flows/docs_assets.py), offline.
web_stamp=reports/web/node_modules/.installed-$(sha256sum reports/web/package.json | cut -c1-16)
if [ ! -f "$web_stamp" ]; then
    if command -v npm >/dev/null; then
        (cd reports/web && npm install --silent --no-audit --no-fund --ignore-scripts --legacy-peer-deps --no-package-lock)
        touch "$web_stamp"
    else
        echo "setup: install Node.js (npm) for the data docs' offline styles, then run scripts/setup.sh again" >&2
    fi
fi

# GB/T 9704 sets body text in 仿宋: FandolFang (free, full GB2312) from Debian's TeX Live Chinese
# package, taken out of the package alone (not installed: it would pull in TeX Live) into
# reports/fonts/fandol/, which reports/fonts/fonts.conf maps 仿宋 to.
if [ ! -f reports/fonts/fandol/FandolFang-Regular.otf ]; then
    if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
        work=$(mktemp -d) && chmod a+rwx "$work"  # apt downloads as its own user
        (cd "$work" && apt-get download -qq texlive-lang-chinese >/dev/null && dpkg-deb -x texlive-lang-chinese_*.deb root)
        mkdir -p reports/fonts/fandol
        cp "$work"/root/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf reports/fonts/fandol/
        rm -rf "$work"
    else
        echo "setup: PDFs will set 仿宋 in a Song face: put FandolFang-Regular.otf in reports/fonts/fandol/" >&2
    fi
fi
