//! Slot -> owner: which node (or shard, or anything `Copy + Eq`) serves each slot.

use std::fmt;

use crate::{SLOT_COUNT, Slot, SlotRange, SlotSet};

/// The owner of every slot, or `None` for an unassigned slot.
///
/// `T` is whatever identifies an owner to the caller (a node index, a node id). Lookups are one
/// bounds-checked index into a heap array of [`SLOT_COUNT`] entries (a boxed slice whose length
/// never changes, so the table is built without a large stack temporary).
#[derive(Clone, PartialEq, Eq)]
pub struct SlotTable<T> {
    /// Always exactly `SLOT_COUNT` entries.
    owners: Box<[Option<T>]>,
    /// Number of `Some` entries in `owners`.
    assigned: usize,
}

impl<T: Copy + Eq> Default for SlotTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + Eq> SlotTable<T> {
    /// A table with every slot unassigned.
    pub fn new() -> Self {
        Self {
            owners: vec![None; SLOT_COUNT].into_boxed_slice(),
            assigned: 0,
        }
    }

    /// The owner of `slot`; `None` if it is unassigned or past the last slot.
    pub fn get(&self, slot: Slot) -> Option<T> {
        self.owners.get(usize::from(slot)).copied().flatten()
    }

    /// Sets (or with `None`, clears) the owner of `slot`; returns the previous owner.
    ///
    /// # Panics
    /// If `slot >= SLOT_COUNT` (a caller bug: [`crate::key_slot`] and [`crate::parse_slot`]
    /// never produce such a slot).
    pub fn set(&mut self, slot: Slot, owner: Option<T>) -> Option<T> {
        let index = usize::from(slot);
        assert!(
            index < SLOT_COUNT,
            "slot {index} out of range 0..{SLOT_COUNT}"
        );
        let previous = std::mem::replace(&mut self.owners[index], owner);
        match (previous.is_some(), owner.is_some()) {
            (false, true) => self.assigned += 1,
            (true, false) => self.assigned -= 1,
            _ => {}
        }
        previous
    }

    /// Number of slots that have an owner.
    pub fn assigned_count(&self) -> usize {
        self.assigned
    }

    /// The slots `owner` owns.
    pub fn slots_of(&self, owner: &T) -> SlotSet {
        let mut slots = SlotSet::new();
        for (slot, entry) in self.owners.iter().enumerate() {
            if entry.as_ref() == Some(owner) {
                slots.insert(slot as Slot);
            }
        }
        slots
    }

    /// The maximal runs of consecutive slots with one owner, in slot order, unassigned slots
    /// skipped: one entry per `CLUSTER SLOTS` element.
    pub fn runs(&self) -> SlotRuns<'_, T> {
        SlotRuns {
            owners: &self.owners,
            from: 0,
        }
    }
}

impl<T: Copy + Eq + fmt::Debug> fmt::Debug for SlotTable<T> {
    /// `{0-5460: A, 5461-10922: B}`: the runs, not 16384 entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.runs().map(|(range, owner)| (range.to_string(), owner)))
            .finish()
    }
}

/// Iterator over the same-owner runs of a [`SlotTable`]; see [`SlotTable::runs`].
#[derive(Debug, Clone)]
pub struct SlotRuns<'a, T> {
    owners: &'a [Option<T>],
    /// The slot to look for the next run from.
    from: usize,
}

impl<T: Copy + Eq> Iterator for SlotRuns<'_, T> {
    type Item = (SlotRange, T);

    fn next(&mut self) -> Option<(SlotRange, T)> {
        let rest = self.owners.get(self.from..)?;
        let offset = rest.iter().position(Option::is_some)?;
        let start = self.from + offset;
        let owner = rest[offset]?;
        let len = rest[offset..]
            .iter()
            .take_while(|entry| **entry == Some(owner))
            .count();
        self.from = start + len;
        Some((
            SlotRange {
                start: start as Slot,
                end: (start + len - 1) as Slot,
            },
            owner,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAST: Slot = (SLOT_COUNT - 1) as Slot;

    #[test]
    fn get_set_and_count() {
        let mut table: SlotTable<u32> = SlotTable::new();
        assert_eq!(table.assigned_count(), 0);
        assert_eq!(table.get(5), None);
        assert_eq!(table.set(5, Some(1)), None);
        assert_eq!(table.set(5, Some(2)), Some(1));
        assert_eq!(table.assigned_count(), 1);
        assert_eq!(table.get(5), Some(2));
        assert_eq!(table.get(16384), None);
        assert_eq!(table.set(LAST, Some(2)), None);
        assert_eq!(table.assigned_count(), 2);
        assert_eq!(table.set(5, None), Some(2));
        assert_eq!(table.set(5, None), None);
        assert_eq!(table.assigned_count(), 1);
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn set_past_last_slot_panics() {
        SlotTable::<u8>::new().set(16384, Some(1));
    }

    #[test]
    fn runs_are_cluster_slots_entries() {
        // The live 7.0.15 layout of shared/compat §2.1: A = 52001, B = 52007, C = 52003.
        let mut table = SlotTable::new();
        let layout: [(Slot, Slot, char); 7] = [
            (0, 1364, 'B'),
            (1365, 1999, 'A'),
            (2000, 2000, 'B'),
            (2001, 5460, 'A'),
            (5461, 6826, 'B'),
            (7000, 7000, 'B'),
            (10923, 12287, 'B'),
        ];
        for (start, end, owner) in layout {
            for slot in start..=end {
                table.set(slot, Some(owner));
            }
        }
        for slot in 12288..=LAST {
            table.set(slot, Some('C'));
        }
        let runs: Vec<(String, char)> = table.runs().map(|(r, o)| (r.to_string(), o)).collect();
        let expected = [
            ("0-1364", 'B'),
            ("1365-1999", 'A'),
            ("2000", 'B'),
            ("2001-5460", 'A'),
            ("5461-6826", 'B'),
            ("7000", 'B'),
            ("10923-12287", 'B'),
            ("12288-16383", 'C'),
        ];
        assert_eq!(runs, expected.map(|(r, o)| (r.to_owned(), o)));
        let b_ranges: Vec<String> = table
            .slots_of(&'B')
            .ranges()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(b_ranges.join(" "), "0-1364 2000 5461-6826 7000 10923-12287");
        assert_eq!(table.slots_of(&'D'), SlotSet::new());
        assert_eq!(
            table.assigned_count(),
            SLOT_COUNT - (6999 - 6827 + 1) - (10922 - 7001 + 1)
        );
        assert_eq!(
            format!("{:?}", {
                let mut small = SlotTable::new();
                small.set(0, Some(1u8));
                small.set(1, Some(1u8));
                small.set(3, Some(2u8));
                small
            }),
            r#"{"0-1": 1, "3": 2}"#
        );
    }

    proptest! {
        #[test]
        fn runs_cover_assigned_slots_maximally(
            writes in proptest::collection::vec((0..=LAST, proptest::option::of(0u8..3)), 0..300),
            fill in proptest::option::of((0u8..3, 0..=LAST, 0u16..2000)),
        ) {
            let mut table = SlotTable::new();
            if let Some((owner, start, len)) = fill {
                for slot in start..=start.saturating_add(len).min(LAST) {
                    table.set(slot, Some(owner));
                }
            }
            for (slot, owner) in writes {
                table.set(slot, owner);
            }
            let runs: Vec<(SlotRange, u8)> = table.runs().collect();
            // Every assigned slot is in exactly one run with its owner; runs are ordered,
            // and two adjacent runs never touch with the same owner.
            let mut covered = 0;
            for (range, owner) in &runs {
                for slot in range.start..=range.end {
                    prop_assert_eq!(table.get(slot), Some(*owner));
                }
                covered += range.len();
            }
            prop_assert_eq!(covered, table.assigned_count());
            prop_assert_eq!(
                table.assigned_count(),
                (0..=LAST).filter(|&slot| table.get(slot).is_some()).count()
            );
            for pair in runs.windows(2) {
                let ((left, left_owner), (right, right_owner)) = (pair[0], pair[1]);
                prop_assert!(left.end < right.start);
                prop_assert!(left.end + 1 < right.start || left_owner != right_owner);
            }
            for owner in 0..3 {
                let from_runs: SlotSet = runs
                    .iter()
                    .filter(|(_, o)| *o == owner)
                    .flat_map(|(range, _)| range.start..=range.end)
                    .collect();
                prop_assert_eq!(table.slots_of(&owner), from_runs);
            }
        }
    }
}
