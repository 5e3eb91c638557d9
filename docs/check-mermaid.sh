#!/usr/bin/env bash
# Renders every ```mermaid block of docs/design.md with the real Mermaid (@mermaid-js/mermaid-cli) in Debian's
# Chromium, and fails if one does not parse. DesignDocTests only checks the blocks' shape; this checks that GitHub
# will draw them. Needs node/npm and /usr/bin/chromium (apt-get install nodejs npm chromium).
#
#   docs/check-mermaid.sh            uses (and caches) mermaid-cli in ${MERMAID_CLI_DIR:-/tmp/livevote-mermaid-cli}
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOL=${MERMAID_CLI_DIR:-/tmp/livevote-mermaid-cli}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [[ ! -x $TOOL/node_modules/.bin/mmdc ]]; then
  mkdir -p "$TOOL"
  # Puppeteer must not download a browser of its own: Debian's Chromium is used instead.
  (cd "$TOOL" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --silent @mermaid-js/mermaid-cli@11)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/livevote-mermaid.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
printf '{"executablePath":"%s","args":["--no-sandbox","--disable-gpu"]}\n' "$CHROMIUM" > "$WORK/puppeteer.json"
cp "$ROOT/docs/design.md" "$WORK/design.md"

# mmdc exits non-zero when a block does not parse, naming the error.
"$TOOL/node_modules/.bin/mmdc" --quiet -p "$WORK/puppeteer.json" -i "$WORK/design.md" -o "$WORK/rendered.md" -e svg
count=$(ls "$WORK"/rendered-*.svg | wc -l)
expected=$(grep -c '^```mermaid' "$ROOT/docs/design.md")
if [[ $count -ne $expected ]]; then
  echo "Rendered $count of $expected Mermaid blocks." >&2
  exit 1
fi
echo "All $count Mermaid blocks of docs/design.md render."
