#!/usr/bin/env bash
# Vendor the browser assets the book needs offline (without them the pages show raw TeX and no widgets offline) into _vendor/:
#   MathJax 3.2.2 (Apache-2.0), @jupyter-widgets/html-manager 1.0.15 (BSD-3), require.js 2.3.8 (MIT).
# Tarballs come from the npm registry via `npm pack` (no dependency tree: the files we use are self-contained
# bundles) and must match the sha512 integrity pinned below. Only the subset the pages load is kept (~6 MB).
# _vendor/ must NOT be called _static/: jupyter-book 1 injects every .js under _static into every page.
# Usage: tools/vendor_js.sh [DEST]   (default DEST=_vendor; idempotent; rerun after editing the pins)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-_vendor}

PINS=(
  "mathjax@3.2.2 sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
  "@jupyter-widgets/html-manager@1.0.15 sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="
  "requirejs@2.3.8 sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw=="
  # axe-core (MPL-2.0): accessibility checks, injected only by tests/test_a11y.py, never loaded by a page.
  "axe-core@4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)

command -v npm >/dev/null || { echo "vendor_js.sh: npm is needed (Debian: apt-get install -y npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for pin in "${PINS[@]}"; do
  spec=${pin% *}; want=${pin#* }
  tgz=$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)
  got="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tgz")"
  if [[ "$got" != "$want" ]]; then
    echo "vendor_js.sh: integrity mismatch for $spec: got $got" >&2; exit 1
  fi
  name=${spec%@*}; name=${name##*/}
  mkdir -p "$tmp/$name"
  tar -xzf "$tmp/$tgz" -C "$tmp/$name"
done

new="$DEST.new"
rm -rf "$new"
mkdir -p "$new/mathjax/output/chtml/fonts" "$new/mathjax/input/tex" "$new/html-manager"
mj="$tmp/mathjax/package/es5"
cp "$mj/tex-mml-chtml.js" "$new/mathjax/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$new/mathjax/output/chtml/fonts/"
cp -r "$mj/input/tex/extensions" "$new/mathjax/input/tex/"
cp "$tmp/mathjax/package/LICENSE" "$new/mathjax/LICENSE"
hm="$tmp/html-manager/package/dist"
cp "$hm/embed-amd.js" "$hm"/*.woff "$hm"/*.woff2 "$hm/embed.js.LICENSE.txt" "$new/html-manager/"
cp "$tmp/requirejs/package/require.js" "$new/require.js"
mkdir -p "$new/axe"  # axe-core: for the tests only
cp "$tmp/axe-core/package/axe.min.js" "$tmp/axe-core/package/LICENSE" "$new/axe/"
printf '%s\n' "${PINS[@]}" > "$new/.complete"
rm -rf "$DEST"
mv "$new" "$DEST"
echo "vendor_js.sh: $(find "$DEST" -type f | wc -l) files, $(du -sh "$DEST" | cut -f1) in $DEST/"
