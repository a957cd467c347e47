//! The Windows console. The executable is a GUI program, so no console window opens behind the
//! map when it is started from Explorer; a command-line job attaches to the console it was
//! typed in and switches that console to UTF-8 while it runs, so Chinese text prints right on a
//! default Chinese Windows (code page 936), and puts the old code page back at the end.
//! Elsewhere this does nothing.

/// Keeps the console set up for the command line until dropped.
pub struct ConsoleGuard {
    #[cfg(windows)]
    previous_cp: u32,
}

/// Attaches to the parent's console (if any) and selects UTF-8 output.
pub fn attach() -> ConsoleGuard {
    #[cfg(windows)]
    {
        // SAFETY: Win32 calls with plain integer arguments; each failure (no parent console,
        // already attached, output redirected) leaves things as they were, which is fine.
        let previous_cp = unsafe {
            win::AttachConsole(win::ATTACH_PARENT_PROCESS);
            let cp = win::GetConsoleOutputCP();
            if cp != 0 && cp != win::CP_UTF8 {
                win::SetConsoleOutputCP(win::CP_UTF8);
            }
            cp
        };
        ConsoleGuard { previous_cp }
    }
    #[cfg(not(windows))]
    ConsoleGuard {}
}

#[cfg(windows)]
impl Drop for ConsoleGuard {
    fn drop(&mut self) {
        if self.previous_cp != 0 && self.previous_cp != win::CP_UTF8 {
            // SAFETY: as above.
            unsafe {
                win::SetConsoleOutputCP(self.previous_cp);
            }
        }
    }
}

#[cfg(windows)]
mod win {
    pub const ATTACH_PARENT_PROCESS: u32 = u32::MAX;
    pub const CP_UTF8: u32 = 65001;
    #[link(name = "kernel32")]
    unsafe extern "system" {
        pub fn AttachConsole(process_id: u32) -> i32;
        pub fn GetConsoleOutputCP() -> u32;
        pub fn SetConsoleOutputCP(code_page: u32) -> i32;
    }
}
