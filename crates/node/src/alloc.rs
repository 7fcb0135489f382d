//! The allocator choice lives here: jemalloc, as Redis uses, for its small size classes
//! (8/16/32/48 bytes: a packed key entry wastes little) and its statistics (INFO memory).

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator's name, as INFO memory `mem_allocator` reports it.
pub const NAME: &str = "jemalloc-5.3.0";

/// Bytes currently allocated by the process (INFO memory `used_memory`).
pub fn allocated_bytes() -> u64 {
    use tikv_jemalloc_ctl::{epoch, stats};
    // Statistics are cached by jemalloc until the epoch advances.
    if epoch::advance().is_err() {
        return 0;
    }
    stats::allocated::read().map_or(0, |b| b as u64)
}
