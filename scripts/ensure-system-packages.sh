#!/usr/bin/env bash
# Installs the Debian packages the tests need (browser, CJK fonts, PDF tools) when missing.
set -euo pipefail
packages=(chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing missing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
