#!/usr/bin/env python3
"""Assembles the release artefacts in dist/ from binaries already built (scripts/package.sh
builds them): a Windows portable zip and a Linux tarball, each with the program, a README in
中文 and English, and the licences of the program, the font and the data.

On Windows the zip holds the program twice: cluster-atlas.exe is marked as a GUI program (no
console window when double-clicked; typed commands attach to the console they came from) and
cluster-atlas-cli.exe is the same bytes marked as a console program, for scripts that must
wait for it. The mark is the PE header's Subsystem field, as `editbin /subsystem` sets it."""

import argparse
import hashlib
import struct
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSYSTEM_GUI, SUBSYSTEM_CONSOLE = 2, 3


def set_subsystem(exe: bytes, subsystem: int) -> bytes:
    """The executable with its PE Subsystem field set (same offset for PE32 and PE32+)."""
    if exe[:2] != b"MZ":
        raise SystemExit("not a Windows executable (no MZ header)")
    pe = struct.unpack_from("<I", exe, 0x3C)[0]
    if exe[pe:pe + 4] != b"PE\0\0":
        raise SystemExit("not a PE executable")
    field = pe + 24 + 68
    out = bytearray(exe)
    struct.pack_into("<H", out, field, subsystem)
    return bytes(out)


def subsystem_of(exe: bytes) -> int:
    pe = struct.unpack_from("<I", exe, 0x3C)[0]
    return struct.unpack_from("<H", exe, pe + 24 + 68)[0]


def readme(version, commit, date, windows: bool) -> str:
    text = (ROOT / "packaging" / "README-dist.txt").read_text(encoding="utf-8")
    if windows:
        cli = "cluster-atlas-cli.exe"
        files_zh = ("  cluster-atlas.exe        双击打开地图窗口（无命令行窗口）。\n"
                    "  cluster-atlas-cli.exe    同一程序的命令行版本，供脚本和批处理使用。")
        files_en = ("  cluster-atlas.exe        double-click to open the map window (no console window).\n"
                    "  cluster-atlas-cli.exe    the same program as a console program, for scripts and\n"
                    "                           batch files that must wait for it to finish.")
        zh = ("Windows 10/11（64 位）：解压到任意文件夹（路径可含中文和空格），双击 cluster-atlas.exe。\n"
              "无需安装；删除文件夹即卸载（设置见下）。")
        en = ("Windows 10/11 (64-bit): unzip anywhere (paths may hold Chinese characters and\n"
              "spaces) and double-click cluster-atlas.exe. Nothing to install; delete the folder to\n"
              "remove it (settings: see below).")
    else:
        cli = "./cluster-atlas"
        files_zh = "  cluster-atlas            不带参数运行打开地图窗口；带命令（如 analyze）即为命令行。"
        files_en = ("  cluster-atlas            run it without arguments for the map window, with a\n"
                    "                           command (e.g. analyze) for the command line.")
        zh = "Linux（x86-64，需要 X11 或 Wayland 与 OpenGL）：解压后运行 ./cluster-atlas。"
        en = "Linux (x86-64, X11 or Wayland with OpenGL): unpack and run ./cluster-atlas."
    for k, v in {"@VERSION@": version, "@COMMIT@": commit, "@DATE@": date, "@CLI@": cli,
                 "@FILES_ZH@": files_zh, "@FILES_EN@": files_en,
                 "@PLATFORM_ZH@": zh, "@PLATFORM_EN@": en}.items():
        text = text.replace(k, v)
    return text.replace("\n", "\r\n") if windows else text


def licences():
    """(name in LICENSES/, bytes)."""
    return [
        ("LICENSE-MIT.txt", (ROOT / "LICENSE-MIT").read_bytes()),
        ("LICENSE-APACHE.txt", (ROOT / "LICENSE-APACHE").read_bytes()),
        ("font-NotoSansSC-OFL.txt", (ROOT / "assets" / "fonts" / "OFL.txt").read_bytes()),
        ("data-sources.md", (ROOT / "data" / "README.md").read_bytes()),
    ]


def write_zip(path: Path, files):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (mode & 0xFFFF) << 16
            info.create_system = 3
            z.writestr(info, data)


def write_tar(path: Path, files):
    import io
    with tarfile.open(path, "w:gz") as t:
        for name, data, mode in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = 1767225600
            t.addfile(info, io.BytesIO(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--windows-exe", type=Path)
    ap.add_argument("--linux-bin", type=Path)
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    a = ap.parse_args()
    a.dist.mkdir(parents=True, exist_ok=True)
    made = []
    if a.windows_exe:
        exe = a.windows_exe.read_bytes()
        top = f"cluster-atlas-{a.version}-windows-x86_64/"
        files = [
            (top + "cluster-atlas.exe", set_subsystem(exe, SUBSYSTEM_GUI), 0o755),
            (top + "cluster-atlas-cli.exe", set_subsystem(exe, SUBSYSTEM_CONSOLE), 0o755),
            (top + "README.txt", readme(a.version, a.commit, a.date, True).encode("utf-8-sig"), 0o644),
        ] + [(top + "LICENSES/" + n, d, 0o644) for n, d in licences()]
        out = a.dist / f"cluster-atlas-{a.version}-windows-x86_64.zip"
        write_zip(out, files)
        made.append(out)
    if a.linux_bin:
        top = f"cluster-atlas-{a.version}-linux-x86_64/"
        files = [
            (top + "cluster-atlas", a.linux_bin.read_bytes(), 0o755),
            (top + "README.txt", readme(a.version, a.commit, a.date, False).encode("utf-8"), 0o644),
        ] + [(top + "LICENSES/" + n, d, 0o644) for n, d in licences()]
        out = a.dist / f"cluster-atlas-{a.version}-linux-x86_64.tar.gz"
        write_tar(out, files)
        made.append(out)
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in made)
    (a.dist / "SHA256SUMS").write_text(sums)
    for p in made:
        print(f"wrote {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p} "
              f"({p.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
