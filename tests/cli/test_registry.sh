#!/usr/bin/env bash
# The registry of claims (`specl claims`) against the tree: every row names a file that exists,
# every experiments/ file maps to a row by (claim.id, claim.part), every row has an experiments/
# file, every row is in the README's claims table with its file, and a bad claim.part or
# claim.control in a file is an error that names the file.
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.bash"

"$B" claims --json >"$T/claims.json" || fail registry_json "exit $?"
if python3 - "$T/claims.json" "$ROOT" <<'PY'
import json, os, re, sys, glob
rows = json.load(open(sys.argv[1])); root = sys.argv[2]
assert len(rows) >= 17
for r in rows:
    assert os.path.isfile(os.path.join(root, r["file"])), r["file"]
    assert r["negative_control"], r["id"]
seen = set()
for f in glob.glob(os.path.join(root, "experiments", "*.ini")):
    t = open(f).read()
    cid = re.search(r"^id\s*=\s*(\S+)", t, re.M).group(1)
    m = re.search(r"^part\s*=\s*(\S+)", t, re.M)
    part = m.group(1) if m else ""
    assert any(r["id"] == cid and r["part"] == part for r in rows), (f, cid, part)
    seen.add((cid, part))
missing = [(r["id"], r["part"]) for r in rows if (r["id"], r["part"]) not in seen]
assert not missing, ("rows without an experiments/ file", missing)
readme = open(os.path.join(root, "README.md")).read()
for r in rows:
    assert re.search(r"\|\s*%s\s*\|[^\n]*%s" % (r["id"], re.escape(r["file"])), readme), ("README claims table lacks", r["id"], r["file"])
PY
then pass registry_matches_tree; else fail registry_matches_tree "see above"; fi

cp "$ROOT/experiments/C05.ini" "$T/C05.ini"
printf 'part = table\n' >>"$T/C05.ini"
expect_err registry_bad_part 2 "C05.ini.*one procedure" -- reproduce --experiments "$T" --only C05 --out "$T/o1"
[ ! -e "$T/o1" ] && pass registry_bad_part_no_output || fail registry_bad_part_no_output "$T/o1 exists"
cp "$ROOT/experiments/C05.ini" "$T/C05.ini"
expect_err registry_bad_control 2 "claim.control = bogus.*trained-linear" -- reproduce --experiments "$T" --only C05 --set claim.control=bogus --out "$T/o2"
[ ! -e "$T/o2" ] && pass registry_bad_control_no_output || fail registry_bad_control_no_output "$T/o2 exists"
expect_err claims_bad_arg 2 "unknown argument" -- claims --bogus
