//! The binaries' allocator: mimalloc, asking for transparent huge pages only
//! once the process is large.
//!
//! mimalloc reserves one 1 GiB arena and marks it `MADV_HUGEPAGE`, so every
//! thread's first touch faults in a zeroed 2 MiB page. A small synthesis
//! (the reference apps: a 5 MiB heap on four threads) then holds 33-39 MiB and
//! spends a tenth of its time zeroing pages it never uses; a large one (10k
//! resources, 300 MiB) takes fewer, cheaper faults with them. So the arena
//! starts as `MADV_NOHUGEPAGE`, and is marked `MADV_HUGEPAGE` again once the
//! process has faulted in [`LARGE_FAULTS`] pages (docs/performance.md,
//! twenty-second round). Elsewhere than Linux this is mimalloc as it is.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc;

/// The global allocator of `meshsynth-apps` and the toolkit's `meshsynth`.
pub struct Allocator;

/// The page faults (minor, so nearly all of them the heap's first touches)
/// past which the arenas get huge pages: 8 MiB of small pages, above the
/// reference apps' 1,600 faults (a 5 MiB heap), and early enough that a
/// larger app pays small pages' faults on its first 8-10 MiB only (a small
/// page costs about four times what a huge page costs a byte).
pub const LARGE_FAULTS: i64 = 2_048;

// SAFETY: every call is mimalloc's; `watch` only reads counters and advises
// the kernel about pages mimalloc owns, which never changes their contents.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.alloc(layout) };
        pages::watch(layout.size());
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        pages::watch(layout.size());
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        pages::watch(new_size);
        p
    }
}

#[cfg(target_os = "linux")]
mod pages {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::LARGE_FAULTS;

    unsafe extern "C" {
        /// mimalloc's arena `id` (1-based): its start, and its size in `size`;
        /// null past the last arena.
        fn mi_arena_area(id: libc::c_int, size: *mut usize) -> *mut libc::c_void;
        /// Sets an option's value.
        fn mi_option_set(option: libc::c_int, value: libc::c_long);
        /// An option's value.
        #[cfg(test)]
        pub(super) fn mi_option_get(option: libc::c_int) -> libc::c_long;
    }

    /// `mi_option_purge_delay` in mimalloc v2's `mi_option_e` (the
    /// sixteenth option; `Cargo.lock` pins the version).
    pub(super) const PURGE_DELAY: libc::c_int = 15;

    /// How long freed memory stays resident once [`super::keep_freed_pages`]
    /// is called (mimalloc's default is 10 ms).
    pub(super) const PURGE_DELAY_MS: libc::c_long = 1_000;

    /// See [`super::keep_freed_pages`].
    pub(super) fn keep_freed_pages() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: sets one integer option.
            unsafe { mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
        }
    }

    /// How far the process is: 0 to `SETTLE` allocations seen before the
    /// arena existed, then `SMALL`, then `LARGE` (nothing more to do).
    static STATE: AtomicU32 = AtomicU32::new(0);
    const SETTLE: u32 = 64;
    const SMALL: u32 = SETTLE + 1;
    const LARGE: u32 = SETTLE + 2;
    /// Only an allocation of a page or more counts the page faults: a
    /// growing heap makes them all the time, and a small run few enough
    /// (the reference apps about 260) that the system call stays rare.
    const CHECK_MIN: usize = 4 * 1024;

    #[inline]
    pub(super) fn watch(size: usize) {
        let state = STATE.load(Ordering::Relaxed);
        if state == LARGE || (state == SMALL && size < CHECK_MIN) {
            return;
        }
        slow(state);
    }

    #[cold]
    fn slow(state: u32) {
        if state < SMALL {
            // The first allocations: once mimalloc has its arena, take back
            // its huge-page advice. Without an arena after `SETTLE`
            // allocations (a mimalloc that allocates otherwise), leave it be.
            let next = if advise(libc::MADV_NOHUGEPAGE) {
                SMALL
            } else if state + 1 >= SETTLE {
                LARGE
            } else {
                state + 1
            };
            STATE.store(next, Ordering::Relaxed);
            return;
        }
        // SAFETY: `getrusage` writes one `rusage`, zeroed here.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a valid pointer to `usage`.
        #[allow(clippy::useless_conversion)] // `c_long` is `i32` on 32-bit Linux
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0
            || i64::from(usage.ru_minflt) >= LARGE_FAULTS
        {
            // Once: another thread may race here, and advising twice is harmless.
            if STATE.swap(LARGE, Ordering::Relaxed) != LARGE {
                advise(libc::MADV_HUGEPAGE);
            }
        }
    }

    /// Gives `advice` for every arena mimalloc has reserved; false when it
    /// has none yet.
    fn advise(advice: libc::c_int) -> bool {
        let mut id = 1;
        loop {
            let mut size = 0usize;
            // SAFETY: mimalloc reads its arena table and writes `size`.
            let start = unsafe { mi_arena_area(id, &mut size) };
            if start.is_null() || size == 0 {
                return id > 1;
            }
            // SAFETY: the range is the arena's own mapping; advice changes
            // how the kernel backs it, never what it holds. A failure (an
            // old kernel without the advice) leaves the default.
            unsafe { libc::madvise(start, size, advice) };
            id += 1;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod pages {
    #[inline]
    pub(super) fn watch(_size: usize) {}
    pub(super) fn keep_freed_pages() {}
}

/// Keeps memory freed by mimalloc resident for a second before it goes
/// back to the kernel (mimalloc's default: 10 ms), unless
/// `MIMALLOC_PURGE_DELAY` says otherwise. For an app in parts: it frees
/// one part and builds the next within milliseconds, and pages kept are
/// reused without being faulted and zeroed again (−28 to −37 ms median at
/// 10k resources, the same peak). An app in one tree frees its
/// intermediate trees while its objects are still held, so there it only
/// raises the peak (311 → 337 MiB at 10k), and is not called
/// (docs/performance.md, twenty-eighth round).
pub fn keep_freed_pages() {
    pages::keep_freed_pages();
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The `VmFlags` of the mapping that holds `addr`, from `/proc/self/smaps`.
    fn vm_flags(addr: usize) -> Vec<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((lo, hi)) = range.split_once('-') {
                    if let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                    {
                        inside = (lo..hi).contains(&addr);
                        continue;
                    }
                }
            }
            if let Some(flags) = line.strip_prefix("VmFlags:") {
                if inside {
                    return flags.split_whitespace().map(str::to_string).collect();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    // One test: the advice is process-wide state, taken in order.
    #[test]
    fn the_arena_gets_huge_pages_only_once_the_process_is_large() {
        if !std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists() {
            eprintln!("skipped: this kernel has no transparent huge pages to advise about");
            return;
        }
        let small = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: a valid layout; freed below with the same one.
        let p = unsafe { Allocator.alloc(small) };
        assert!(!p.is_null());
        let flags = vm_flags(p as usize);
        assert!(
            flags.iter().any(|f| f == "nh"),
            "no MADV_NOHUGEPAGE: {flags:?}"
        );
        keep_freed_pages();
        // The option is the one the environment names (run this test with
        // MIMALLOC_PURGE_DELAY=5 to check the index), a second otherwise.
        // SAFETY: reads one integer option.
        let delay = unsafe { pages::mi_option_get(pages::PURGE_DELAY) };
        let given = std::env::var("MIMALLOC_PURGE_DELAY").ok();
        let want = given.map_or(pages::PURGE_DELAY_MS, |v| v.parse().unwrap());
        assert_eq!(delay, want, "the purge delay");

        // Past the threshold (this test's harness may be there already), the
        // next large allocation turns huge pages on.
        let touched = vec![1u8; (LARGE_FAULTS as usize + 2_048) * 4096];
        std::hint::black_box(&touched);
        let large = Layout::from_size_align(64 * 1024, 8).unwrap();
        // SAFETY: as above.
        let q = unsafe { Allocator.alloc(large) };
        assert!(!q.is_null());
        let flags = vm_flags(p as usize);
        assert!(
            flags.iter().any(|f| f == "hg"),
            "no MADV_HUGEPAGE: {flags:?}"
        );
        assert!(
            !flags.iter().any(|f| f == "nh"),
            "still MADV_NOHUGEPAGE: {flags:?}"
        );
        // SAFETY: allocated above with these layouts.
        unsafe {
            Allocator.dealloc(q, large);
            Allocator.dealloc(p, small);
        }
    }
}
