#!/usr/bin/env bash
# cogov as a user installs it: build the wheel, install it into a fresh virtualenv outside the
# checkout, and from a temporary folder use the shipped scenarios, sweep files, targets and the
# workshop app. `make smoke-installed` runs it; .ci/run too.
#
#   PYTHON        interpreter for the virtualenv (default: python3)
#   PAGE_PYTHON   a Python with Playwright to load the workshop page in Debian's Chromium
#                 (default: the checkout's .venv; the page check is skipped without Chromium)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
PAGE_PYTHON=${PAGE_PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/cogov-installed.XXXXXX")
server=""

cleanup() {
    if [[ -n $server ]]; then
        kill -TERM -- "-$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { echo "--> $*"; }
fail() { echo "installed smoke: FAILED: $*" >&2; exit 1; }

step "build the wheel"
"$PYTHON" -m pip wheel --disable-pip-version-check --no-deps -q -w "$work/dist" "$repo"
wheel=$(ls "$work"/dist/cogov-*.whl)
echo "    $(basename "$wheel")"

step "install it into a fresh virtualenv"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --disable-pip-version-check -qq "$wheel"
cogov=$work/venv/bin/cogov

mkdir "$work/user" && cd "$work/user"   # a folder with no checkout in sight
where=$("$work/venv/bin/python" -c 'import sim; print(sim.__file__)')
[[ $where == "$work/venv/"* ]] || fail "sim imported from $where, not from the virtualenv"
echo "    $where"

step "cogov list"
"$cogov" list > list.txt
grep -Eq '^ baseline +Baseline estate' list.txt || fail "cogov list does not show the baseline"
grep -Eq '^ main_levers_sobol +Sobol' list.txt || fail "cogov list does not show the sweep files"
"$cogov" list --lang zh > list-zh.txt
grep -Eq '^ baseline +基线' list-zh.txt || fail "cogov list --lang zh is not in Chinese"

step "cogov run baseline --days 30"
"$cogov" run baseline --days 30 --quiet --out run-baseline
[[ -f run-baseline/manifest.json ]] || fail "no run folder"

step "cogov run my.yaml (extends: baseline), and a shipped scenario that extends ../baseline.yaml"
printf 'extends: baseline\nname: my_estate\nsite:\n  households: 500\n' > my.yaml
"$cogov" run my.yaml --days 30 --quiet --out run-mine
grep -q '^name: my_estate' run-mine/scenario.yaml && grep -q '^  households: 500' run-mine/scenario.yaml \
    || fail "the run of my.yaml is not my_estate with 500 households"
"$cogov" validate levers/red_cells sites/old_compound shocks/property_exit city | sed 's/^/    /'

step "cogov sweep joint_meetings --dry-run (a shipped sweep file by name)"
"$cogov" sweep joint_meetings --dry-run > /dev/null

step "cogov examples ex (twice: nothing is overwritten)"
"$cogov" examples ex | grep '^cogov examples: ' | sed 's/^/    /'
(cd ex && find . -type f | sed 's|^\./||' | sort) > got.txt
git -C "$repo" ls-files scenarios validation notebooks | sort > want.txt
diff want.txt got.txt || fail "cogov examples did not write exactly the checkout's scenarios/, validation/, notebooks/"
while read -r f; do
    cmp -s "$repo/$f" "ex/$f" || fail "ex/$f differs from the checkout's $f"
done < want.txt
"$cogov" examples ex > again.txt
grep -q '^cogov examples: 0 files written' again.txt || fail "the second cogov examples wrote files"
(cd ex && "$cogov" validate scenarios/levers/red_cells.yaml | sed 's/^/    /')

step "cogov validate-model --days 30 --replicates 2 (the shipped targets)"
"$cogov" validate-model --days 30 --replicates 2 --quiet --out validation-run | tail -n 2
[[ -f validation-run/validation.csv ]] || fail "no validation table"

step "cogov workshop --scenarios more: the page offers the shipped presets and ours"
mkdir more && printf 'extends: party_led\nname: ours\n' > more/ours.yaml
setsid "$cogov" workshop --port 0 --scenarios more > workshop.log 2>&1 &
server=$!
url=""
for _ in $(seq 600); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' workshop.log || true)
    [[ -n $url ]] && curl -sf -o page.html "$url" && break
    kill -0 "$server" 2>/dev/null || { cat workshop.log >&2; fail "cogov workshop exited"; }
    sleep 0.2
done
[[ -s page.html ]] || fail "the workshop page did not answer"
grep -q 'solara' page.html || fail "the page at $url is not Solara's"
echo "    $url answered 200"
if [[ -x /usr/bin/chromium ]] && "$PAGE_PYTHON" -c 'import playwright' 2>/dev/null; then
    "$PAGE_PYTHON" "$repo/.ci/workshop_page.py" "$url" "Baseline estate (all levers off)" ours
else
    echo "    page not opened in a browser: no /usr/bin/chromium or no Playwright in $PAGE_PYTHON"
fi

step "pip install 'cogov[cluster]' brings dask-jobqueue"
"$work/venv/bin/pip" install --disable-pip-version-check -qq "$wheel[cluster]"
"$work/venv/bin/python" -c 'import dask_jobqueue; print("    dask-jobqueue", dask_jobqueue.__version__)'

echo "installed smoke: passed"
