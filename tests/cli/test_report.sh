#!/usr/bin/env bash
# The report of `specl reproduce` (specl/report.h), on the fast claims C05, C08 and C13:
# index.html holds the claims table with one row per claim record, links and images only to
# files inside the report directory (no URL, no absolute path, no script), every <img> is a
# complete SVG with its .gp and .csv beside it, every figure's script reruns on its own inside
# fig/, and report.md lists the claims.
#
# Then a browser check (below): headless Chromium renders index.html; every figure must load with a
# natural size > 0 and every claim's verdict must show, with negative controls. Without chromium
# that part prints "SKIP report_chromium: ..." (a failure under CI=true).
set -u
B=${SPECL_BIN:?SPECL_BIN must point at the specl binary}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
. "$(dirname "$0")/lib.bash"
R="$T/rep"

if ! "$B" reproduce --experiments "$ROOT/experiments" --only C05,C08,C13 --out "$R" >"$T/out" 2>"$T/err"; then
  fail report_reproduce "specl reproduce failed: $(tail -c 400 "$T/err")"; exit 1
fi
grep -q "index.html" "$T/out" && pass report_message_names_index || fail report_message_names_index "$(cat "$T/out")"
[ -s "$R/index.html" ] && [ -s "$R/report.md" ] && [ -s "$R/results.json" ] && pass report_files \
  || { fail report_files "missing index.html, report.md or results.json"; exit 1; }

# Static checks of index.html against results.json (html.parser: no regex over markup).
$PY - "$R" >"$T/static" 2>&1 <<'PY'
import html.parser, json, os, re, sys
root = sys.argv[1]
claims = json.load(open(os.path.join(root, "results.json")))["claims"]
page = open(os.path.join(root, "index.html"), encoding="utf-8").read()

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.refs = []; self.imgs = []; self.tags = set()
        self.in_claims = self.in_body = False; self.cell = None; self.row = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); self.tags.add(tag)
        for k in ("src", "href", "srcset", "poster", "data", "action", "formaction"):
            if k in a: self.refs.append((tag, k, a[k]))
        if tag == "img": self.imgs.append(a.get("src"))
        if tag == "table" and "claims" in a.get("class", "").split(): self.in_claims = True
        if self.in_claims and tag == "tbody": self.in_body = True
        if self.in_body and tag == "tr": self.row = []
        if self.row is not None and tag == "td": self.cell = ""
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None: self.row.append(self.cell.strip()); self.cell = None
        if tag == "tr" and self.row is not None: self.rows.append(self.row); self.row = None
        if tag == "tbody": self.in_body = False
        if tag == "table": self.in_claims = False
    def handle_data(self, d):
        if self.cell is not None: self.cell += d

p = P(); p.feed(page)
def check(name, ok, why):
    print(("PASS " + name) if ok else ("FAIL %s: %s" % (name, why)))

check("report_table_rows", len(p.rows) == len(claims) and [r[0] for r in p.rows] == [c["id"] for c in claims],
      "table rows %s, claims %s" % ([r[:1] for r in p.rows], [c["id"] for c in claims]))
check("report_table_holds", all(("holds" in r[2]) == c["holds"] for r, c in zip(p.rows, claims)), "holds column does not match the records")
n = sum(c["holds"] for c in claims)
check("report_counts", "%d of %d claims hold" % (n, len(claims)) in page, "no '%d of %d claims hold'" % (n, len(claims)))
urls = re.findall(r"(?i)\b(?:https?|ftp):", page)
check("report_no_urls", not urls and "//" not in "".join(v for _, _, v in p.refs), "found %s" % urls)
bad = []
for tag, k, v in p.refs:
    if v.startswith("#"): continue
    path = v.split("#")[0]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", v) or path.startswith("/") or ".." in path.split("/") or not os.path.isfile(os.path.join(root, path)):
        bad.append("%s %s=%s" % (tag, k, v))
check("report_links_inside", not bad, "; ".join(bad))
ext = sorted(p.tags & {"script", "link", "iframe", "object", "embed", "base"})
check("report_self_contained", not ext and "@import" not in page and "url(" not in page, "tags %s" % ext)
svg_bad, missing = [], []
for src in p.imgs:
    f = os.path.join(root, src or "")
    t = open(f, encoding="utf-8", errors="replace").read() if src and os.path.isfile(f) else ""
    if not (t.lstrip().startswith("<?xml") or t.lstrip().startswith("<svg")) or "</svg>" not in t[-200:]: svg_bad.append(src)
    stem = f[:-4] if f.endswith(".svg") else f
    for e in (".gp", ".csv"):
        if not os.path.isfile(stem + e): missing.append(os.path.basename(stem + e))
check("report_images_svg", not svg_bad, "not a complete SVG: %s" % svg_bad)
figdir = os.path.join(root, "fig")
stems = sorted({os.path.splitext(x)[0] for x in os.listdir(figdir)}) if os.path.isdir(figdir) else []
for s in stems:
    for e in (".svg", ".gp", ".csv"):
        if not os.path.isfile(os.path.join(figdir, s + e)): missing.append(s + e)
check("report_figure_files", not missing, "missing %s" % sorted(set(missing)))
print("INFO %d images, %d figures in fig/" % (len(p.imgs), len(stems)))
md = open(os.path.join(root, "report.md"), encoding="utf-8").read()
check("report_md_claims", all(("| %s |" % c["id"]) in md for c in claims) and ("%d of %d claims hold" % (n, len(claims))) in md, "claims missing in report.md")
PY
cat "$T/static"

# Every script reruns on its own inside fig/ (relative paths), here into a copy of fig/.
# C13 draws figures, so a report without any is a failure, not a case that vanishes.
if ls "$R"/fig/*.gp >/dev/null 2>&1; then
  cp -r "$R/fig" "$T/figcopy"; ok=1
  for gp in "$T"/figcopy/*.gp; do
    n=$(basename "$gp" .gp); rm -f "$T/figcopy/$n.svg"
    (cd "$T/figcopy" && gnuplot "$n.gp" >/dev/null 2>&1) && grep -q '</svg>' "$T/figcopy/$n.svg" || { ok=0; fail report_gp_rerun "$n.gp does not redraw $n.svg"; }
  done
  [ $ok = 1 ] && pass report_gp_rerun
else fail report_gp_rerun "no fig/*.gp in the report"; fi

# ---- Browser check: Chromium renders index.html headless (scripts/setup-deps.sh installs chromium).
# index.html has no JavaScript (src/report/pages.c) and stays so: the check runs in a wrapper page in
# the test's own temp dir (never in the report directory) that loads index.html in an iframe and, on
# its load event (which waits for the iframe's images), writes into its own DOM one line per <img>
# (src, complete, naturalWidth; a broken image is complete with naturalWidth 0) and, as rendered text
# (innerText), each row of the claims table (id, holds cell) and each claim heading (id, badge).
# --dump-dom prints that DOM; --allow-file-access-from-files lets a file:// page read a file://
# iframe. Negative controls: the same check must notice a report with one SVG removed from fig/, and
# one whose verdict text was altered. A screenshot of index.html must also come out as a PNG.
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
  skip report_chromium "chromium not installed (scripts/setup-deps.sh installs it)"
  exit 0
fi
PROFILE=$(mktemp -d -p "$T")
chrome() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$PROFILE" --allow-file-access-from-files "$@" 2>>"$T/chrome.err"
}
render() {   # REPORT_DIR OUT: what Chromium shows of REPORT_DIR/index.html, one line per image, row and heading
  local w; w=$(mktemp -p "$T" --suffix=.html check-XXXX)
  cat >"$w" <<EOF
<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="out">PENDING</pre>
<iframe id="f" src="file://$1/index.html" width="1200" height="800"></iframe>
<script>
window.addEventListener('load', function () {
  var out = document.getElementById('out'), t = function (e) { return e ? e.innerText.replace(/\s+/g, ' ').trim() : '-'; };
  try {
    var doc = document.getElementById('f').contentDocument, imgs = doc.images, lines = ['IMAGES ' + imgs.length], i;
    for (i = 0; i < imgs.length; i++)
      lines.push('IMG ' + imgs[i].getAttribute('src') + ' complete=' + (imgs[i].complete ? 1 : 0) + ' width=' + imgs[i].naturalWidth);
    var rows = doc.querySelectorAll('table.claims tbody tr');
    for (i = 0; i < rows.length; i++) lines.push('ROW ' + t(rows[i].cells[0]) + ' | ' + t(rows[i].querySelector('td.holds')));
    var hs = doc.querySelectorAll('h2');
    for (i = 0; i < hs.length; i++) {
      var b = hs[i].querySelector('.badge');
      if (b) lines.push('BADGE ' + t(hs[i]).split(' ')[0] + ' | ' + t(b) + ' | ' + (b.getBoundingClientRect().height > 0 ? 'visible' : 'hidden'));
    }
    out.textContent = lines.join('\n');
  } catch (e) { out.textContent = 'ERROR ' + e; }
});
</script></body></html>
EOF
  chrome --virtual-time-budget=10000 --run-all-compositor-stages-before-draw --dump-dom "file://$w" >"$2"
}
# verdict REPORT_DIR DOM: "OK ..." when every <img> of index.html loaded with a size and every claim of
# results.json shows its verdict in its table row and its heading badge; otherwise "BAD ..." naming what
verdict() {
  $PY - "$1" "$2" <<'PY'
import html, html.parser, json, os, re, sys
root, dom = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
claims = json.load(open(os.path.join(root, "results.json")))["claims"]
class P(html.parser.HTMLParser):
    n = 0
    def handle_starttag(self, t, a): P.n += t == "img"
P().feed(open(os.path.join(root, "index.html"), encoding="utf-8").read())
m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
lines = html.unescape(m.group(1)).splitlines() if m else ["NO OUTPUT"]
bad = []
if lines and (lines[0].startswith("ERROR") or lines[0] in ("PENDING", "NO OUTPUT")): bad.append(lines[0])
imgs = [l for l in lines if l.startswith("IMG ")]
ok = [l for l in imgs if re.search(r" complete=1 width=[1-9]", l)]
if "IMAGES %d" % P.n not in lines or len(imgs) != P.n: bad.append("chromium saw %d images, index.html has %d" % (len(imgs), P.n))
if len(ok) < len(imgs): bad.append("not loaded: " + "; ".join(l for l in imgs if l not in ok))
rows = dict(l[4:].split(" | ", 1) for l in lines if l.startswith("ROW "))
badges = {l.split(" | ")[0][6:]: l.split(" | ")[1:] for l in lines if l.startswith("BADGE ")}
for c in claims:
    want = "holds" if c["holds"] else "fails"
    if want not in rows.get(c["id"], ""): bad.append("%s row shows %r, expected %s" % (c["id"], rows.get(c["id"]), want))
    b = badges.get(c["id"])
    if not b or want not in b[0] or b[1] != "visible": bad.append("%s badge %r, expected %s, visible" % (c["id"], b, want))
print(("BAD " + " / ".join(bad)) if bad else "OK chromium loaded %d of %d images; %d verdicts shown" % (len(ok), P.n, len(claims)))
PY
}
render "$R" "$T/dom.html"; v=$(verdict "$R" "$T/dom.html")
case "$v" in   # every image loaded, and there is at least one (M > 0)
  "OK chromium loaded "[1-9]*) pass report_chromium_renders; echo "INFO ${v#OK }" ;;
  *) fail report_chromium_renders "${v:-no verdict} $(tail -c 300 "$T/chrome.err")" ;;
esac

# negative control: one SVG removed from fig/ (in a copy) must show as an image that did not load
cp -r "$R" "$T/rep_nosvg"; gone=$(cd "$T/rep_nosvg" && ls fig/*.svg | head -n 1); rm -f "$T/rep_nosvg/$gone"
render "$T/rep_nosvg" "$T/dom_nosvg.html"; v=$(verdict "$T/rep_nosvg" "$T/dom_nosvg.html")
case "$v" in
  "BAD "*"not loaded: IMG $gone complete=1 width=0"*) pass report_chromium_detects_missing_svg ;;
  *) fail report_chromium_detects_missing_svg "with $gone removed the check says: $v" ;;
esac
# negative control: a verdict that no longer matches results.json (the first claim's row and badge)
cp -r "$R" "$T/rep_flip"
first=$($PY -c "import json,sys; c=json.load(open(sys.argv[1]))['claims'][0]; print(c['id'], 'holds' if c['holds'] else 'fails')" "$R/results.json")
$PY - "$T/rep_flip/index.html" $first <<'PY'
import sys
p, cid, was = sys.argv[1:]
s = open(p, encoding="utf-8").read(); other = "fails" if was == "holds" else "holds"
for start in (">%s</a></td>" % cid, "<h2>%s " % cid):    # its table row, then its heading badge ("&#10003; holds")
    j = s.index("; " + was, s.index(start)) + 2; s = s[:j] + other + s[j + len(was):]
open(p, "w", encoding="utf-8").write(s)
PY
render "$T/rep_flip" "$T/dom_flip.html"; v=$(verdict "$T/rep_flip" "$T/dom_flip.html")
case "$v" in
  "BAD ${first%% *} row shows"*"${first%% *} badge"*) pass report_chromium_detects_wrong_verdict ;;
  *) fail report_chromium_detects_wrong_verdict "with ${first%% *}'s verdict altered the check says: $v" ;;
esac

chrome --window-size=1200,1600 --screenshot="$T/shot.png" "file://$R/index.html" >/dev/null
if [ -s "$T/shot.png" ] && [ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
  pass report_chromium_screenshot
else
  fail report_chromium_screenshot "no PNG: $(tail -c 300 "$T/chrome.err")"
fi
