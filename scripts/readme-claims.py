#!/usr/bin/env python3
"""Rewrite the claims table of README.md from `specl claims` (the registry), between the
markers <!-- claims:begin --> and <!-- claims:end -->. Usage: scripts/readme-claims.py build/specl"""
import subprocess, sys, re
table = subprocess.run([sys.argv[1], "claims"], check=True, capture_output=True, text=True).stdout
readme = open("README.md").read()
new, n = re.subn(r"(<!-- claims:begin -->\n).*?(<!-- claims:end -->)", lambda m: m.group(1) + table + m.group(2), readme, flags=re.S)
if n != 1:
    sys.exit("README.md: expected one <!-- claims:begin --> ... <!-- claims:end --> block")
open("README.md", "w").write(new)
