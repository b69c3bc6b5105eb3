#!/usr/bin/env bash
# Lints every published package as npm would receive it: `pnpm pack` (which turns `workspace:^`
# into real versions and keeps only `files`), then `publint --strict` on the tarball, so a
# warning fails too. Run after `pnpm build`: the tarballs hold dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status=0
for manifest in packages/*/package.json; do
  dir=$(dirname "$manifest")
  if [ "$(node -p "require('./$manifest').private === true")" = true ]; then continue; fi
  tarball=$(cd "$dir" && pnpm pack --pack-destination "$out" --json | node -e \
    'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).filename))')
  npx --no-install publint run "$tarball" --strict || status=1
done
exit $status
