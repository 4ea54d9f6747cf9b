#!/usr/bin/env bash
# The browser tests (test/web) and `npm run screenshots` drive Debian's Chromium at /usr/bin/chromium;
# nothing downloads a browser of its own. This installs it when it is missing, saying so first.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The browser tests need Debian's Chromium at /usr/bin/chromium. Install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "Chromium is missing: installing Debian's chromium package with apt-get (the browser tests need it)."
apt-get update -q
apt-get install -y -q chromium
