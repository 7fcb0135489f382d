//! Forged counts and lengths must not drive allocation: this binary counts every byte
//! allocated while a reader goes through small files that claim huge commands, and fails if
//! the peak grows beyond a small multiple of the file's size.
//!
//! One test only, so that no other test thread allocates while the peak is measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use aof::{CommandReader, Ending, Step};

/// The system allocator, keeping the current and peak number of bytes in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Reads `file` to its end with no argument limit; returns the ending and the peak number
/// of bytes allocated meanwhile, above what was in use before.
fn peak_while_reading(file: &[u8]) -> (Ending, usize) {
    let baseline = IN_USE.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let mut reader = CommandReader::new(file, 0, u64::MAX);
    let ending = loop {
        match reader
            .next_step()
            .expect("forged input reads without error")
        {
            Step::Command(_) => {}
            Step::End(ending) => break ending,
        }
    };
    drop(reader);
    (ending, PEAK.load(Ordering::SeqCst) - baseline)
}

#[test]
fn forged_counts_and_lengths_allocate_only_what_the_file_holds() {
    let forged: [&[u8]; 5] = [
        b"*999999999\r\n$3\r\nSET\r\n$1\r\nk\r\n",
        b"*2147483647\r\n",
        b"*1\r\n$4294967296\r\nabc",
        b"*1\r\n$9223372036854775807\r\nabc",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n",
    ];
    for file in forged {
        let (ending, peak) = peak_while_reading(file);
        assert!(
            matches!(ending, Ending::TornCommand { .. }),
            "{ending:?} for {file:?}"
        );
        // The line buffer (1 KB), a 64 KB read buffer at most, and small vectors.
        assert!(
            peak < 128 * 1024,
            "{peak} bytes allocated reading {:?}",
            String::from_utf8_lossy(file)
        );
    }
    // A real 4 MB argument is read; memory follows the bytes present.
    let mut real = b"*2\r\n$3\r\nGET\r\n$4194304\r\n".to_vec();
    real.resize(real.len() + 4 * 1024 * 1024, b'x');
    real.extend_from_slice(b"\r\n");
    let (ending, peak) = peak_while_reading(&real);
    assert!(matches!(ending, Ending::Complete { .. }), "{ending:?}");
    assert!(peak >= 4 * 1024 * 1024 && peak <= 2 * real.len(), "{peak}");
}
