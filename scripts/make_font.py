#!/usr/bin/env python3
"""Builds assets/fonts/NotoSansSC-Subset.otf: the Simplified Chinese face of Noto Sans CJK
(SIL OFL 1.1), cut down to GB2312 (all 6,763 hanzi and its symbols), printable ASCII and
Latin-1, common punctuation and map symbols, plus every character used in the bundled data and
in the program's own text (so 圳, 漖, 埗 and the like are never missing).

Needs Debian's fonts-noto-cjk and fonttools (pip install fonttools). Run from the project root:
    python3 scripts/make_font.py
"""
import glob
import os
import re
import subprocess
import sys

TTC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC_INDEX = 2  # Noto Sans CJK SC inside the collection
OUT = "assets/fonts/NotoSansSC-Subset.otf"
LICENSE_SRC = "/usr/share/doc/fonts-noto-cjk/copyright"

chars = set()
# GB2312: rows 0xA1–0xF7, columns 0xA1–0xFE.
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.update(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x20, 0x7F))
chars.update(chr(c) for c in range(0xA0, 0x100))
chars.update("–—‘’“”…·•′″‰※←↑→↓↔⇧⇩⇦⇨°±×÷²³¹µ≈≤≥≠−∑√∞·⋯■□▲△▶▼◆◇○●◎★☆✓✔✕✗⊕⊙")
chars.update("，。、；：？！（）《》〈〉【】「」『』〔〕—…～￥％＋－＝／")
# Guangdong place-name characters that GB2312 lacks (大埗, 漖, 塱, 滘, 磡, 冚, 孖, 氹, 坜 ...).
chars.update("漖埗塱滘磡冚孖氹坜埕塅垅鲘畬沥涌圳塘蚝笋岽")
for path in glob.glob("data/*") + glob.glob("src/**/*.rs", recursive=True) + ["README.md"]:
    if os.path.isfile(path):
        try:
            chars.update(open(path, encoding="utf-8").read())
        except UnicodeDecodeError:
            pass
chars = sorted(c for c in chars if c.isprintable() or c == " ")
os.makedirs("assets/fonts", exist_ok=True)
with open("/tmp/cluster_atlas_chars.txt", "w", encoding="utf-8") as fh:
    fh.write("".join(chars))
subprocess.run(
    [
        sys.executable, "-m", "fontTools.subset", TTC, f"--font-number={SC_INDEX}",
        "--text-file=/tmp/cluster_atlas_chars.txt", f"--output-file={OUT}",
        "--layout-features=locl", "--no-hinting",
        "--name-IDs=0,1,2,3,4,5,6,13,14", "--name-languages=0x409",
    ],
    check=True,
)
from fontTools.ttLib import TTFont  # noqa: E402

font = TTFont(OUT)
cmap = font.getBestCmap()
missing = [c for c in chars if ord(c) not in cmap and not c.isspace()]
notice = font["name"].getDebugName(0)
text = open(LICENSE_SRC, encoding="utf-8").read()
ofl = text[text.index("License: SIL-1.1\n -----") + len("License: SIL-1.1\n"):]
ofl = ofl[: ofl.index("\nLicense: GPL-3+")]
ofl = "\n".join("" if l.strip() == "." else l[1:] for l in ofl.split("\n"))
with open("assets/fonts/OFL.txt", "w", encoding="utf-8") as fh:
    fh.write(f"NotoSansSC-Subset.otf: a subset of Noto Sans CJK SC Regular made by scripts/make_font.py.\n{notice}\n\n{ofl.strip()}\n")
print(f"{OUT}: {len(cmap)} characters, {os.path.getsize(OUT)/1e6:.2f} MB; not in the source font: {''.join(missing)[:80]}")
