#!/usr/bin/env python3
"""Draws cluster-atlas's icon (a zone outline with clustered firms on a teal tile) and writes
assets/icon/icon.png (256 px, for the window) and assets/icon/icon.ico (16–256 px, for the
Windows executable). Pure Python, no dependencies; run once, the outputs are committed."""

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "icon"

TEAL = (22, 94, 110)
ZONE_FILL = (232, 244, 240)
ZONE_EDGE = (255, 255, 255)
DOT = (240, 120, 40)

# Zone polygon and firm dots in a unit square (y down).
ZONE = [(0.18, 0.30), (0.52, 0.16), (0.84, 0.34), (0.78, 0.76), (0.42, 0.86), (0.20, 0.66)]
DOTS = [(0.46, 0.44, 0.075), (0.60, 0.52, 0.06), (0.50, 0.62, 0.055), (0.36, 0.56, 0.05),
        (0.64, 0.36, 0.045), (0.72, 0.66, 0.04)]


def inside_rounded_square(x, y, r=0.18):
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and 0 <= x <= 1 and 0 <= y <= 1


def inside_polygon(x, y, poly):
    inside = False
    j = len(poly) - 1
    for i in range(len(poly)):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def edge_distance(x, y, poly):
    best = 9.0
    for i in range(len(poly)):
        (ax, ay), (bx, by) = poly[i], poly[(i + 1) % len(poly)]
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


def colour_at(x, y):
    """RGBA of one sample point."""
    if not inside_rounded_square(x, y):
        return (0, 0, 0, 0)
    for cx, cy, r in DOTS:
        if math.hypot(x - cx, y - cy) <= r:
            return DOT + (255,)
    if edge_distance(x, y, ZONE) <= 0.028:
        return ZONE_EDGE + (255,)
    if inside_polygon(x, y, ZONE):
        return ZONE_FILL + (255,)
    return TEAL + (255,)


def render(size, ss=4):
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(ss):
                for sx in range(ss):
                    c = colour_at((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size)
                    a = c[3]
                    for k in range(3):
                        acc[k] += c[k] * a
                    acc[3] += a
            n = ss * ss
            alpha = acc[3] / n
            rgb = [round(acc[k] / acc[3]) if acc[3] else 0 for k in range(3)]
            row += bytes(rgb + [round(alpha)])
        rows.append(bytes(row))
    return rows


def png_bytes(size):
    raw = b"".join(b"\x00" + r for r in render(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [16, 24, 32, 48, 64, 128, 256]
    images = {s: png_bytes(s) for s in sizes}
    (OUT / "icon.png").write_bytes(images[256])
    # ICO with PNG-compressed entries (Windows Vista and later).
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = images[s]
        entries += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    (OUT / "icon.ico").write_bytes(header + entries + blobs)
    print("wrote", OUT / "icon.png", OUT / "icon.ico")


if __name__ == "__main__":
    main()
