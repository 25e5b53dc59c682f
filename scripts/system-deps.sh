#!/usr/bin/env bash
# Debian libraries the letters need: WeasyPrint (Pango, HarfBuzz subsetting), the DejaVu
# fonts the templates name, and poppler-utils (pdftotext/pdftoppm, to inspect rendered PDFs).
#
#   bash scripts/system-deps.sh          installs what is missing (apt-get, as root only)
#   bash scripts/system-deps.sh --check  only reports what is missing
#
# Idempotent: a package already installed is left alone, and nothing is downloaded when
# everything is present. It never fails the build: when something is missing and cannot be
# installed here (not root, no apt-get, no network), it says so and exits 0; the letter
# tests then fail with WeasyPrint's own message (or skip, for the poppler-based checks).
set -uo pipefail

PACKAGES=(
    libpango-1.0-0      # text layout (WeasyPrint)
    libpangoft2-1.0-0   # Pango's FreeType/fontconfig backend (WeasyPrint)
    libharfbuzz-subset0 # font subsetting; without it WeasyPrint falls back to fontTools, slower
    fonts-dejavu-core   # DejaVu Sans, the letters' font
    poppler-utils       # pdftotext, pdftoppm
)

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system-deps: not a Debian system (no dpkg-query); install by hand: ${PACKAGES[*]}"
    exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
    if installed "$package"; then
        echo "system-deps: $package already installed"
    else
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps: nothing to do"
    exit 0
fi

echo "system-deps: missing: ${missing[*]}"
if [ "$check_only" -eq 1 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: not root, not installing; run as root: apt-get install -y ${missing[*]}"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: no apt-get, not installing: ${missing[*]}"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "system-deps: apt-get update"
if ! apt-get update -qq; then
    echo "system-deps: apt-get update failed; not installing: ${missing[*]}"
    exit 0
fi
echo "system-deps: apt-get install ${missing[*]}"
if apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "system-deps: installed ${missing[*]}"
else
    echo "system-deps: apt-get install failed for: ${missing[*]}"
fi
exit 0
