/* specl/report.h: the report, a rendering of the claim records (DESIGN.md §1, §5).
 *
 * `specl reproduce` writes results.json; this module turns the same JSON into files a reader
 * opens without specl: report.md, a self-contained index.html (inline CSS, no JavaScript, nothing
 * fetched from outside the directory) and, for every figure a claim record carries, the data
 * (fig/<name>.csv), a gnuplot script (fig/<name>.gp) and the picture it draws (fig/<name>.svg).
 * Nothing in the report is typed by hand: every text and number comes from the records.
 *
 * ---- figure specs ----
 * A claim record (specl_claim_to_json) may hold "figures": an array of specs. A spec is
 *
 *   { "name":   "c04-error-vs-k",        file stem: 1..64 of [a-z0-9-], not starting with '-',
 *                                        unique over the whole report                  (required)
 *     "title":  "...", "xlabel": "...", "ylabel": "...",                 plain text (optional)
 *     "logx": false, "logy": false,       logarithmic axes                           (optional)
 *     "kind":   "line" | "heatmap",       default "line"                              (optional)
 *     "series": [ { "label": "...",       legend entry ("" = none)
 *                   "x": [...], "y": [...],  equal lengths >= 1; numbers, null = missing point
 *                   "style": "linespoints" | "points" | "lines" | "steps" } ],
 *                                        default style: linespoints (line), points (heatmap);
 *                                        required and non-empty for "line"
 *     "hlines": [ { "label": "Thm 5.9 bound", "y": 0.3 } ],  dashed horizontal lines (optional)
 *     "vlines": [ { "label": "k = s", "x": 5 } ],            dotted vertical lines   (optional)
 *     -- "heatmap" only:
 *     "grid":   { "x": [nx], "y": [ny], "z": [[nx] * ny] },  z[j][i] is the value at (x[i], y[j]);
 *                                        x and y strictly increasing (and > 0 on a log axis);
 *                                        null = empty cell; series are drawn over it
 *     "zlabel": "...", "logz": false }   colour-bar label and scale                  (optional)
 *
 * Texts are plain text: the SVG shows them literally (gnuplot's enhanced-text characters
 * ^ _ @ & ~ { } \ are escaped; use Unicode for λ, ≤, x₁), the HTML escapes & < > " '.
 *
 * ---- files of a figure (all in DIR/fig/, relative paths only) ----
 *   <name>.csv  one header line of quoted column names, then the numbers (empty field = missing):
 *               "line" with every series on the same x: x, then one y column per series;
 *               otherwise two columns per series ("<label> x", "<label> y");
 *               "heatmap": x, y, z, x_lo, x_hi, y_lo, y_hi (one row per cell, y outer; the cell
 *               edges are midpoints between grid values, geometric on a log axis), then two
 *               columns per overlay series. Columns of unequal length are padded with empty fields.
 *   <name>.gp   a gnuplot script that reads <name>.csv and writes <name>.svg with
 *               `set terminal svg size 720,480 dynamic enhanced font "sans,12"`; restyle it and
 *               rerun `gnuplot <name>.gp` inside fig/ (gnuplot -e "outfile='x.svg'" picks another
 *               output name; specl uses that to write the SVG atomically).
 *   <name>.svg  drawn by running gnuplot (Debian gnuplot-nox) on the script, without a shell.
 */
#ifndef SPECL_REPORT_H
#define SPECL_REPORT_H

#include <cJSON.h>

/* Write report.md, index.html and fig/<name>.{csv,gp,svg} of every figure into dir (which must
 * exist) from results = {"claims": [records], "settings": {file stem: resolved config text},
 * "versions": {"specl": ..., ...}}. Every file is written atomically. Everything that can be
 * written is: a figure that is invalid or that gnuplot cannot draw is named, with the reason, in
 * the report in place of its picture, and the first such error is returned (SPECL_EINVAL for an
 * invalid spec, SPECL_EIO for gnuplot, with "gnuplot not found: install gnuplot-nox
 * (scripts/setup-deps.sh does)" when it is missing). Never prints. */
int specl_report_write(const cJSON *results, const char *dir);

/* Check one figure spec against the format above; SPECL_EINVAL with the reason if it fails. */
int specl_report_figure_check(const cJSON *fig);

/* Write fig_dir/<name>.csv and .gp of one figure spec, then draw fig_dir/<name>.svg with gnuplot.
 * fig_dir must exist. A failed drawing leaves no <name>.svg (a stale one is removed). */
int specl_report_figure_write(const cJSON *fig, const char *fig_dir);

#endif
