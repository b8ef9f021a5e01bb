"""Great Expectations' data docs, made to work on an intranet with no internet.

The pages Great Expectations renders load Bootstrap, jQuery, bootstrap-table, Font Awesome,
Vega and its logo from CDNs; offline they are unstyled and their tables do not filter. The set-up
installs the same versions from npm (`reports/web/package.json`, into `reports/web/node_modules`);
after each render, `localise` copies the files the pages use beside them and points every page
at its copies, so the folder can be opened from disk, or zipped and sent, anywhere.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from flows.settings import PROJECT_ROOT

PACKAGES = PROJECT_ROOT / "reports" / "web" / "node_modules"
OFFLINE = "static/offline"  # under the data docs folder

# each address the data docs load → (npm package, file in it); versions as in reports/web/package.json
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": ("bootstrap", "dist/css/bootstrap.min.css"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": ("bootstrap", "dist/js/bootstrap.min.js"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": ("popper.js", "dist/umd/popper.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": ("bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        ("bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    # the pages name 1.19.0 for the filter control's styles: 1.19.1's are the same rules
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        ("bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        ("@fortawesome/fontawesome-free", "css/all.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        ("bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        ("bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        ("@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
}
FOLDERS = {"@fortawesome/fontawesome-free": "webfonts"}  # what a stylesheet loads beside itself
# Great Expectations' logo, from its S3 bucket: a local mark instead
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"']*")
LOGO_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40"><text x="0" y="28" '
            'font-family="sans-serif" font-size="22" fill="#c0392b">taizhang 数据校验</text></svg>')


_CHECKED = re.compile(r"<(?:script|link)\b[^>]*>")
_ATTRIBUTES = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')


class AssetsMissing(RuntimeError):
    """The set-up has not installed the data docs' assets (reports/web/node_modules)."""


def missing() -> list[str]:
    """The asset files not installed (empty when the set-up ran)."""
    return sorted({f"{package}/{file}" for package, file in CDN.values() if not (PACKAGES / package / file).exists()})


def localise(docs_dir: Path) -> None:
    """Copy the assets beside the data docs in `docs_dir` and point every page at the copies."""
    absent = missing()
    if absent:
        raise AssetsMissing(f"the data docs' styles and scripts are not installed ({absent[0]} …): run scripts/setup.sh; "
                            f"without them the pages in {docs_dir} are unstyled offline")
    target = docs_dir / OFFLINE
    for package, file in set(CDN.values()):
        destination = target / package / file
        if not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PACKAGES / package / file, destination)
    for package, folder in FOLDERS.items():
        if not (target / package / folder).exists():
            shutil.copytree(PACKAGES / package / folder, target / package / folder)
    (target / "logo.svg").write_text(LOGO_SVG, encoding="utf-8")
    for page in docs_dir.rglob("*.html"):
        up = os.path.relpath(target, page.parent).replace(os.sep, "/")
        html = page.read_text(encoding="utf-8")
        for address, (package, file) in CDN.items():
            html = html.replace(f'"{address}"', f'"{up}/{package}/{file}"')
        html = _LOGO.sub(f"{up}/logo.svg", html)
        # a file opened from disk has no origin: a CORS-checked (crossorigin, integrity) load of a
        # local copy would be refused, so the local tags load plainly
        html = _CHECKED.sub(lambda tag: tag.group(0) if f'"{up}/' not in tag.group(0) else _ATTRIBUTES.sub("", tag.group(0)),
                            html)
        page.write_text(html, encoding="utf-8")
