//! Inclusive slot ranges, as `CLUSTER NODES`, `CLUSTER SLOTS` and `CLUSTER SHARDS` show them.

use std::fmt;

use crate::Slot;

/// The slots `start..=end` (inclusive, `start <= end`).
///
/// Displays as `CLUSTER NODES` prints a range: `N` for a single slot, `a-b` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotRange {
    /// First slot of the range.
    pub start: Slot,
    /// Last slot of the range (inclusive).
    pub end: Slot,
}

impl SlotRange {
    /// The range holding just `slot`.
    pub fn single(slot: Slot) -> Self {
        Self {
            start: slot,
            end: slot,
        }
    }

    /// Number of slots in the range (0 if `start > end`).
    pub fn len(&self) -> usize {
        if self.start > self.end {
            0
        } else {
            usize::from(self.end - self.start) + 1
        }
    }

    /// Whether the range holds no slot (only when `start > end`).
    pub fn is_empty(&self) -> bool {
        self.start > self.end
    }

    /// Whether `slot` is in the range.
    pub fn contains(&self, slot: Slot) -> bool {
        (self.start..=self.end).contains(&slot)
    }
}

impl fmt::Display for SlotRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_cluster_nodes() {
        assert_eq!(SlotRange::single(2000).to_string(), "2000");
        assert_eq!(
            SlotRange {
                start: 0,
                end: 1364
            }
            .to_string(),
            "0-1364"
        );
        assert_eq!(SlotRange { start: 0, end: 0 }.to_string(), "0");
        assert_eq!(
            SlotRange {
                start: 12288,
                end: 16383
            }
            .to_string(),
            "12288-16383"
        );
    }

    #[test]
    fn len_contains_and_empty() {
        let range = SlotRange { start: 10, end: 12 };
        assert_eq!(range.len(), 3);
        assert!(!range.is_empty());
        assert!(range.contains(10) && range.contains(12));
        assert!(!range.contains(9) && !range.contains(13));
        assert_eq!(SlotRange::single(7).len(), 1);
        let inverted = SlotRange { start: 5, end: 4 };
        assert!(inverted.is_empty());
        assert_eq!(inverted.len(), 0);
        assert!(!inverted.contains(4) && !inverted.contains(5));
    }
}
