# Sourced by the browser checks that drive Chromium with puppeteer-core (check_brush.sh,
# check_watch.sh): needs $src (the source tree) and $work; sets $modules, where puppeteer-core is
# installed with `npm ci` from tests/browser/package-lock.json (no browser download: Debian's
# chromium). Exits 77 (skipped) when chromium, node, npm or the package cannot be had.
if ! command -v chromium >/dev/null; then
  "$src/scripts/install-deps" browser || { echo "chromium is not installed and cannot be: skipped"; exit 77; }
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed: skipped"; exit 77; }
modules=$(dirname "$work")/node
# The checks run side by side (ctest -j) and share $modules: one installs while the others wait for
# it (without the lock, a second `rm -rf` pulled node_modules from under a running check).
mkdir -p "$(dirname "$work")"
exec {install_lock}>"$modules.lock"
flock "$install_lock"
if ! cmp -s "$src/tests/browser/package-lock.json" "$modules/package-lock.json" 2>/dev/null || [[ ! -d $modules/node_modules/puppeteer-core ]]; then
  rm -rf "$modules" && mkdir -p "$modules"
  cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$modules/"
  (cd "$modules" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --prefer-offline --no-audit --no-fund >npm.log 2>&1) ||
    { tail -5 "$modules/npm.log"; echo "npm ci of puppeteer-core failed (no registry?): skipped"; rm -rf "$modules/node_modules"; exit 77; }
fi
flock -u "$install_lock"
