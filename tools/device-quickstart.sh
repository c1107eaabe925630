#!/usr/bin/env bash
# Times the Quickstart (`npm start`) on the GPU machine of ../shared/device/README.md, which has no
# Node, no network and no room for FashionMNIST (26 MB compressed, beside the 45 MB of .device/).
#
#   bash ../shared/device/prepare.sh bench/gpu.ts   # .device/: node, Dawn, the Vulkan loader
#   bash tools/device-quickstart.sh                 # adds .device/qs/: src/ and lessons/ as plain JS
#   then on the GPU machine: bash .device/remote.sh bash .device/qs/run.sh --device webgpu --epochs 1
#
# .device/qs/ is the project's own files transpiled one for one (no bundle: the wasm loader and the
# data loader's workers find their files relative to their own modules), build/*.wasm, and the
# runtime dependencies. run.sh writes FashionMNIST-shaped IDX files of random pixels under
# .device/qs/data/ (the same 60,000 + 10,000 28×28 images, so every step does the same work) and
# runs the Quickstart on them: its times are the real ones, its accuracies mean nothing.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
[ -d .device/node_modules/webgpu ] || { echo "run ../shared/device/prepare.sh first" >&2; exit 1; }
node tools/build-wasm.mjs
rm -rf .device/qs
mkdir -p .device/qs/build .device/qs/node_modules
npx --no-install esbuild $(git ls-files 'src/*.ts' 'lessons/*.ts') --outdir=.device/qs --outbase=. \
  --format=esm --platform=node --target=node20 --log-level=warning
echo '{ "type": "module" }' > .device/qs/package.json
cp build/*.wasm .device/qs/build/
for dep in cli-progress string-width emoji-regex is-fullwidth-code-point strip-ansi ansi-regex pngjs; do
  cp -r "node_modules/$dep" .device/qs/node_modules/
done
cat > .device/qs/run.sh <<'EOF'
#!/usr/bin/env bash
# Runs the Quickstart on FashionMNIST-shaped random images; arguments go to the Quickstart.
set -euo pipefail
qs=$(cd "$(dirname "$0")" && pwd)
cd "$qs"
node --input-type=module -e '
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
const raw = "data/FashionMNIST/raw";
mkdirSync(raw, { recursive: true });
const idx = (name, dims, body) => {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(`${raw}/${name}`, Buffer.concat([head, body]));
};
for (const [prefix, n] of [["train", 60000], ["t10k", 10000]]) {
  idx(`${prefix}-images-idx3-ubyte`, [n, 28, 28], randomBytes(n * 784));
  idx(`${prefix}-labels-idx1-ubyte`, [n], Buffer.from(Array.from({ length: n }, (_, i) => i % 10)));
}'
node lessons/quickstart.js --out runs "$@"
EOF
chmod +x .device/qs/run.sh
du -sh .device | awk '{print ".device is " $1 " (keep it, with the working tree, under 64 MiB)"}'
