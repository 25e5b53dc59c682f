#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the back office's browser tests
# (tests/web/test_browser.py drives it with Playwright for Python; `playwright install` is never
# used: no browser is downloaded outside the system's package manager).
#   scripts/browser.sh     -> exit 0 when /usr/bin/chromium is there (installed now if missing)
# Idempotent. Exit code 3 with a NOTICE on stderr when it cannot be had here (not root, no
# apt-get, or the install failed): the browser tests then skip, saying why.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "NOTICE: $CHROMIUM is missing and only root can install it (apt-get install chromium)" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "NOTICE: $CHROMIUM is missing and there is no apt-get to install it" >&2
    exit 3
fi
echo "installing Debian's chromium package..." >&2
if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null) >&2; then
    echo "NOTICE: apt-get could not install chromium: the browser tests will be skipped" >&2
    exit 3
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "NOTICE: chromium was installed but $CHROMIUM is not there" >&2
    exit 3
fi
echo "chromium ready: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")" >&2
