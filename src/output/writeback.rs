//! The writer behind every output file: buffered, and on Linux straight to the disk.
//!
//! On Linux the file is written in whole aligned blocks with `O_DIRECT`, past the page cache:
//! on this kind of machine (a VM whose guest hands freed memory back to the host) every new
//! page-cache page costs a fault on the host: writing 832 MB in 8 MB blocks took 0.7–2.9 s
//! through the cache and a sync, 0.4–0.8 s direct (`dd`). The last partial block is
//! written through the cache. Where the file system refuses `O_DIRECT` (tmpfs before Linux
//! 6.6, some network file systems), blocks go through the cache and are handed to the disk
//! as they are written (`sync_file_range`), so the final sync waits for the last few
//! megabytes only. Either way the caller calls `sync_all` on the file
//! [`DiskWriter::finish`] returns.

use std::fs::File;
use std::io::{self, Write};

/// Bytes per block written (a multiple of [`ALIGN`]).
const BLOCK: usize = 8 << 20;
/// Alignment of direct writes: their memory, length and file offset.
const ALIGN: usize = 4096;

/// A buffered writer of one file (see the module's notes).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct DiskWriter {
    file: File,
    /// `BLOCK + ALIGN` bytes; the block starts at `at`, aligned to [`ALIGN`].
    buf: Vec<u8>,
    at: usize,
    /// Bytes of the block filled so far.
    filled: usize,
    /// Blocks go past the page cache.
    direct: bool,
    /// Bytes written to the file.
    written: u64,
}

impl DiskWriter {
    pub fn new(file: File) -> Self {
        let buf = vec![0u8; BLOCK + ALIGN];
        let at = buf.as_ptr().align_offset(ALIGN).min(ALIGN);
        let mut w = Self {
            file,
            buf,
            at,
            filled: 0,
            direct: false,
            written: 0,
        };
        w.direct = w.set_direct(true);
        w
    }

    /// Writes `file` through a new writer with `write`, then syncs it (every output file's
    /// path: atomic saves and result sets).
    pub fn write_synced(
        file: File,
        write: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> io::Result<File> {
        let mut w = Self::new(file);
        write(&mut w)?;
        let f = w.finish()?;
        f.sync_all()?;
        Ok(f)
    }

    /// Writes what is buffered and returns the file (not yet synced), without `O_DIRECT`.
    pub fn finish(mut self) -> io::Result<File> {
        // A short last block cannot go direct, and the caller gets an ordinary file.
        if self.direct {
            self.direct = !self.set_direct(false);
        }
        if self.filled > 0 {
            self.write_block()?;
        }
        Ok(self.file)
    }

    /// Turns `O_DIRECT` on or off; whether the system did.
    #[cfg(target_os = "linux")]
    fn set_direct(&mut self, on: bool) -> bool {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this value owns, reading and setting status flags
        // only; a refusal (EINVAL on tmpfs) changes nothing.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 {
                return false;
            }
            let want = if on {
                flags | libc::O_DIRECT
            } else {
                flags & !libc::O_DIRECT
            };
            libc::fcntl(fd, libc::F_SETFL, want) == 0
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn set_direct(&mut self, _on: bool) -> bool {
        false
    }

    /// Writes the buffered bytes; a direct write the system refuses is done through the page
    /// cache instead, and so is the rest of the file. After an error the file's content is
    /// unknown: callers abandon it (an atomic save removes its temporary file).
    fn write_block(&mut self) -> io::Result<()> {
        let mut done = 0;
        while done < self.filled {
            let Some(part) = self.buf.get(self.at + done..self.at + self.filled) else {
                break;
            };
            match self.file.write(part) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // EINVAL: an unaligned write after a short one, or a device that takes no
                // direct writes after all.
                Err(e) if self.direct && e.kind() == io::ErrorKind::InvalidInput => {
                    self.direct = !self.set_direct(false);
                    if self.direct {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if !self.direct {
            self.start_writeback(self.filled as u64);
        }
        self.written += self.filled as u64;
        self.filled = 0;
        Ok(())
    }

    /// Hands the `len` bytes just written through the cache to the disk, without waiting.
    #[cfg(target_os = "linux")]
    fn start_writeback(&self, len: u64) {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain system call on an open descriptor this value owns; it only asks the
        // kernel to begin writing pages already written, and failure changes nothing.
        unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                self.written as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&self, _len: u64) {}
}

impl Write for DiskWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = BLOCK - self.filled;
        let n = data.len().min(room);
        let (Some(to), Some(from)) = (
            self.buf
                .get_mut(self.at + self.filled..self.at + self.filled + n),
            data.get(..n),
        ) else {
            return Ok(0);
        };
        to.copy_from_slice(from);
        self.filled += n;
        if self.filled == BLOCK {
            self.write_block()?;
        }
        Ok(n)
    }

    /// Bytes stay buffered until a block is full or [`DiskWriter::finish`]: a direct write
    /// must be a whole block.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_and_read(dir: &std::path::Path, data: &[u8], part: usize) -> Vec<u8> {
        let path = dir.join(format!("out-{part}.bin"));
        let mut w = DiskWriter::new(File::create(&path).unwrap());
        for p in data.chunks(part) {
            w.write_all(p).unwrap();
        }
        w.finish().unwrap().sync_all().unwrap();
        std::fs::read(&path).unwrap()
    }

    /// Every byte arrives in order: direct blocks, the cached last block, parts of any size.
    #[test]
    fn writes_every_byte_in_order() {
        let dir = std::env::temp_dir().join(format!("ca-wb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data: Vec<u8> = (0..(2 * BLOCK + 12_345) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        for part in [1_000_003, BLOCK, 7] {
            assert!(write_and_read(&dir, &data, part) == data, "parts of {part}");
        }
        assert_eq!(write_and_read(&dir, b"", 1), b"");
        assert_eq!(write_and_read(&dir, b"a,b\n", 3), b"a,b\n");
        let one_block = &data[..BLOCK];
        assert!(write_and_read(&dir, one_block, 4096) == one_block);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The file handed back has no `O_DIRECT`, even when nothing was left to write (a size
    /// that is a whole number of blocks).
    #[cfg(target_os = "linux")]
    #[test]
    fn the_finished_file_is_an_ordinary_one() {
        use std::os::fd::AsRawFd;
        let dir = std::env::temp_dir().join(format!("ca-wb3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = DiskWriter::new(File::create(dir.join("out.bin")).unwrap());
        w.write_all(&vec![7u8; BLOCK]).unwrap();
        let f = w.finish().unwrap();
        // SAFETY: reads the status flags of a descriptor the test owns.
        let flags = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETFL) };
        assert!(flags >= 0 && flags & libc::O_DIRECT == 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A block the system may refuse to write direct (unaligned in memory) arrives whole: on
    /// file systems that refuse it, through the page cache (tmpfs since Linux 6.6 and NFS
    /// accept it).
    #[test]
    fn an_unaligned_block_is_written_whole() {
        let dir = std::env::temp_dir().join(format!("ca-wb2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        let mut w = DiskWriter::new(File::create(&path).unwrap());
        // An unaligned block start in memory: a direct write of it is refused.
        w.at += 1;
        let data: Vec<u8> = (0..BLOCK as u32 + 99).map(|i| (i % 13) as u8).collect();
        w.write_all(&data).unwrap();
        w.finish().unwrap().sync_all().unwrap();
        assert!(std::fs::read(&path).unwrap() == data);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
