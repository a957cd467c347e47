//! A file writer that starts the disk writes as it goes, so the final sync before an atomic
//! rename waits for the last few megabytes instead of the whole file.

use std::fs::File;
use std::io::{self, Write};

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
/// Bytes between requests to start writing back (Linux `sync_file_range`).
const STEP: u64 = 16 << 20;

/// Writes to `file`; on Linux every [`STEP`] bytes written are handed to the disk without
/// waiting (the caller still calls `sync_all` at the end for durability).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct WritebackFile {
    file: File,
    written: u64,
    started: u64,
}

impl WritebackFile {
    pub fn new(file: File) -> Self {
        Self {
            file,
            written: 0,
            started: 0,
        }
    }

    pub fn into_inner(self) -> File {
        self.file
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        if self.written - self.started < STEP {
            return;
        }
        let len = self.written - self.started;
        // SAFETY: a plain system call on an open descriptor this value owns; it only asks the
        // kernel to begin writing pages already written, and failure changes nothing.
        unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                self.started as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {}
}

impl Write for WritebackFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        self.start_writeback();
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_byte_in_order() {
        let dir = std::env::temp_dir().join(format!("ca-wb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        let data: Vec<u8> = (0..40u32 << 20).map(|i| (i % 251) as u8).collect();
        let mut w = io::BufWriter::new(WritebackFile::new(File::create(&path).unwrap()));
        for part in data.chunks(1_000_003) {
            w.write_all(part).unwrap();
        }
        let f = w.into_inner().map_err(|e| e.into_error()).unwrap();
        assert!(f.written >= 40 << 20 && f.started >= STEP);
        f.into_inner().sync_all().unwrap();
        assert!(std::fs::read(&path).unwrap() == data);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
