//! Redis 7.0's intset (`src/intset.c`): the encoding of small sets whose
//! members are all integers. Byte for byte what Redis writes.
//!
//! Layout: the integer width in bytes (u32 LE: 2, 4 or 8), the count (u32 LE),
//! then the values in ascending order, each little-endian at that width. The
//! width grows to fit a new value ("upgrade") and never shrinks, so the bytes
//! depend on the set's history, as in Redis.
//!
//! [`IntsetView`] reads borrowed bytes; [`Intset`] owns and edits them;
//! [`validate`] checks untrusted bytes. Reads are total: on malformed bytes
//! they give meaningless results but never panic or read out of bounds.
//! Not here: choosing when a set stops being an intset (the store's).

use std::fmt;

use crate::error::{Format, FormatError};

/// Size of the header: width (u32) and count (u32).
const HEADER_SIZE: usize = 8;

/// The integer width of an intset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntsetEncoding {
    /// 2-byte values.
    Int16,
    /// 4-byte values.
    Int32,
    /// 8-byte values.
    Int64,
}

impl IntsetEncoding {
    /// Bytes per value.
    pub fn width(self) -> usize {
        match self {
            IntsetEncoding::Int16 => 2,
            IntsetEncoding::Int32 => 4,
            IntsetEncoding::Int64 => 8,
        }
    }

    /// The smallest width that holds `value` (`_intsetValueEncoding`).
    pub fn for_value(value: i64) -> Self {
        if i16::try_from(value).is_ok() {
            IntsetEncoding::Int16
        } else if i32::try_from(value).is_ok() {
            IntsetEncoding::Int32
        } else {
            IntsetEncoding::Int64
        }
    }

    fn from_width(width: u32) -> Option<Self> {
        match width {
            2 => Some(IntsetEncoding::Int16),
            4 => Some(IntsetEncoding::Int32),
            8 => Some(IntsetEncoding::Int64),
            _ => None,
        }
    }
}

/// An intset read in place from borrowed bytes.
#[derive(Clone, Copy)]
pub struct IntsetView<'a> {
    bytes: &'a [u8],
    /// Bytes per value; 0 when the header is unreadable.
    width: usize,
    /// Values readable: the header's count, capped by the blob's size.
    len: usize,
}

impl<'a> IntsetView<'a> {
    /// Reads `bytes` as an intset without checking them. Meaningful results
    /// need a well-formed intset (written here, or accepted by [`validate`]);
    /// any bytes are safe.
    pub fn new(bytes: &'a [u8]) -> Self {
        let header = |at: usize| -> Option<u32> {
            let raw = bytes.get(at..at + 4)?;
            Some(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
        };
        let width = header(0)
            .and_then(IntsetEncoding::from_width)
            .map_or(0, IntsetEncoding::width);
        let len = match (header(4), width) {
            (Some(count), 2 | 4 | 8) => {
                let room = (bytes.len() - HEADER_SIZE) / width;
                usize::try_from(count).map_or(room, |count| count.min(room))
            }
            _ => 0,
        };
        Self { bytes, width, len }
    }

    /// The intset's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The intset's size in bytes.
    pub fn bytes_len(&self) -> usize {
        self.bytes.len()
    }

    /// The integer width.
    pub fn encoding(&self) -> IntsetEncoding {
        match self.width {
            4 => IntsetEncoding::Int32,
            8 => IntsetEncoding::Int64,
            _ => IntsetEncoding::Int16,
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value at `index` in ascending order (`intsetGet`); SRANDMEMBER and
    /// SPOP pick a random index.
    #[inline]
    pub fn get(&self, index: usize) -> Option<i64> {
        (index < self.len).then(|| self.value_at(index))
    }

    /// The value at `index < len`.
    #[inline]
    fn value_at(&self, index: usize) -> i64 {
        let start = HEADER_SIZE + index * self.width;
        let raw = &self.bytes[start..start + self.width];
        match *raw {
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => 0,
        }
    }

    /// Binary search (`intsetSearch`): `Ok(index)` of `value`, or
    /// `Err(index)` where it would be inserted.
    #[inline]
    pub fn search(&self, value: i64) -> Result<usize, usize> {
        if self.len == 0 {
            return Err(0);
        }
        if value > self.value_at(self.len - 1) {
            return Err(self.len);
        }
        if value < self.value_at(0) {
            return Err(0);
        }
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let mid = low + (high - low) / 2;
            let current = self.value_at(mid);
            if current < value {
                low = mid + 1;
            } else if current > value {
                high = mid;
            } else {
                return Ok(mid);
            }
        }
        Err(low)
    }

    /// Whether `value` is in the set (`intsetFind`).
    #[inline]
    pub fn contains(&self, value: i64) -> bool {
        IntsetEncoding::for_value(value).width() <= self.width && self.search(value).is_ok()
    }

    /// The smallest value.
    pub fn min(&self) -> Option<i64> {
        self.get(0)
    }

    /// The largest value.
    pub fn max(&self) -> Option<i64> {
        self.len.checked_sub(1).map(|last| self.value_at(last))
    }

    /// The values in ascending order (reversible, exact size).
    pub fn iter(&self) -> IntsetIter<'a> {
        IntsetIter {
            view: *self,
            front: 0,
            back: self.len,
        }
    }

    /// An owned copy, to edit.
    pub fn to_intset(&self) -> Intset {
        Intset::from(self.bytes.to_vec())
    }
}

impl fmt::Debug for IntsetView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for IntsetView<'a> {
    type Item = i64;
    type IntoIter = IntsetIter<'a>;

    fn into_iter(self) -> IntsetIter<'a> {
        self.iter()
    }
}

/// Iterator over an intset's values; see [`IntsetView::iter`].
#[derive(Clone)]
pub struct IntsetIter<'a> {
    view: IntsetView<'a>,
    front: usize,
    back: usize,
}

impl Iterator for IntsetIter<'_> {
    type Item = i64;

    #[inline]
    fn next(&mut self) -> Option<i64> {
        if self.front >= self.back {
            return None;
        }
        let value = self.view.value_at(self.front);
        self.front += 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.back - self.front;
        (remaining, Some(remaining))
    }
}

impl DoubleEndedIterator for IntsetIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<i64> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        Some(self.view.value_at(self.back))
    }
}

impl ExactSizeIterator for IntsetIter<'_> {}
impl std::iter::FusedIterator for IntsetIter<'_> {}

/// An owned, editable intset.
#[derive(Clone, PartialEq, Eq)]
pub struct Intset {
    bytes: Vec<u8>,
}

impl Default for Intset {
    fn default() -> Self {
        Self::new()
    }
}

impl Intset {
    /// An empty intset of 2-byte width (`intsetNew`).
    pub fn new() -> Self {
        Self {
            bytes: vec![2, 0, 0, 0, 0, 0, 0, 0],
        }
    }

    /// Reads this intset.
    #[inline]
    pub fn view(&self) -> IntsetView<'_> {
        IntsetView::new(&self.bytes)
    }

    /// The intset's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The intset's bytes, to store.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.view().is_empty()
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: i64) -> bool {
        self.view().contains(value)
    }

    /// Adds `value` (`intsetAdd`), widening every value first if it needs a
    /// wider encoding; returns whether the set changed.
    pub fn add(&mut self, value: i64) -> bool {
        let view = self.view();
        let needed = IntsetEncoding::for_value(value);
        if needed > view.encoding() {
            self.upgrade_and_add(needed, value);
            return true;
        }
        let Err(index) = view.search(value) else {
            return false;
        };
        let width = view.width;
        let len = view.len;
        let at = HEADER_SIZE + index * width;
        let old_total = self.bytes.len();
        self.bytes.resize(old_total + width, 0);
        self.bytes.copy_within(at..old_total, at + width);
        write_value(&mut self.bytes[at..at + width], value);
        self.set_len(len + 1);
        true
    }

    /// Rewrites every value at the wider `encoding` and adds `value`, which
    /// is beyond the current range, at the matching end
    /// (`intsetUpgradeAndAdd`).
    fn upgrade_and_add(&mut self, encoding: IntsetEncoding, value: i64) {
        let view = self.view();
        let len = view.len;
        let width = encoding.width();
        let mut bytes = Vec::with_capacity(HEADER_SIZE + (len + 1) * width);
        bytes.extend_from_slice(&(width as u32).to_le_bytes());
        bytes.extend_from_slice(&((len + 1) as u32).to_le_bytes());
        let push = |bytes: &mut Vec<u8>, value: i64| {
            bytes.extend_from_slice(&value.to_le_bytes()[..width]);
        };
        if value < 0 {
            push(&mut bytes, value);
        }
        for existing in view.iter() {
            push(&mut bytes, existing);
        }
        if value >= 0 {
            push(&mut bytes, value);
        }
        self.bytes = bytes;
    }

    /// Removes `value` (`intsetRemove`; the width never shrinks); returns
    /// whether the set changed.
    pub fn remove(&mut self, value: i64) -> bool {
        let view = self.view();
        if IntsetEncoding::for_value(value) > view.encoding() {
            return false;
        }
        match view.search(value) {
            Ok(index) => {
                self.remove_index(index);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes and returns the value at `index` in ascending order (SPOP of a
    /// random index).
    pub fn remove_at(&mut self, index: usize) -> Option<i64> {
        let value = self.view().get(index)?;
        self.remove_index(index);
        Some(value)
    }

    fn remove_index(&mut self, index: usize) {
        let IntsetView { width, len, .. } = self.view();
        let at = HEADER_SIZE + index * width;
        self.bytes.drain(at..at + width);
        self.set_len(len - 1);
    }

    fn set_len(&mut self, len: usize) {
        self.bytes[4..8].copy_from_slice(&(len as u32).to_le_bytes());
    }
}

/// Writes `value` little-endian at the width of `out`.
fn write_value(out: &mut [u8], value: i64) {
    let width = out.len();
    out.copy_from_slice(&value.to_le_bytes()[..width]);
}

impl Extend<i64> for Intset {
    fn extend<I: IntoIterator<Item = i64>>(&mut self, values: I) {
        for value in values {
            self.add(value);
        }
    }
}

impl FromIterator<i64> for Intset {
    /// The intset Redis builds by adding the values in this order.
    fn from_iter<I: IntoIterator<Item = i64>>(values: I) -> Self {
        let mut intset = Intset::new();
        intset.extend(values);
        intset
    }
}

impl From<Vec<u8>> for Intset {
    /// Takes `bytes` as an intset without checking them: they must be well
    /// formed (e.g. accepted by [`validate`]) for edits to make sense.
    fn from(bytes: Vec<u8>) -> Self {
        Self { bytes }
    }
}

impl fmt::Debug for Intset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.view(), f)
    }
}

/// Checks that `bytes` are an intset, as Redis 7.0's
/// `intsetValidateIntegrity`: a readable header, a width of 2, 4 or 8, a size
/// equal to header + count x width, at least one value (Redis refuses an
/// empty set in a payload), and with `deep`, values strictly increasing.
pub fn validate(bytes: &[u8], deep: bool) -> Result<(), FormatError> {
    let Some(header) = bytes.get(..HEADER_SIZE) else {
        return Err(FormatError::TooShort {
            format: Format::Intset,
            len: bytes.len(),
        });
    };
    let width = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let Some(encoding) = IntsetEncoding::from_width(width) else {
        return Err(FormatError::BadEncoding {
            format: Format::Intset,
            offset: 0,
        });
    };
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let declared = HEADER_SIZE as u64 + u64::from(count) * encoding.width() as u64;
    if declared != bytes.len() as u64 {
        return Err(FormatError::SizeMismatch {
            format: Format::Intset,
            declared,
            actual: bytes.len(),
        });
    }
    if count == 0 {
        return Err(FormatError::EmptyIntset);
    }
    if deep {
        let view = IntsetView::new(bytes);
        let mut values = view.iter();
        let mut previous = values.next();
        for (index, value) in values.enumerate() {
            if previous.is_some_and(|previous| value <= previous) {
                return Err(FormatError::UnsortedIntset { index: index + 1 });
            }
            previous = Some(value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn adds_upgrade_at_the_right_end() {
        let mut set = Intset::new();
        assert_eq!(set.as_bytes(), [2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(set.add(5) && set.add(-3) && !set.add(5));
        assert_eq!(set.as_bytes(), [2, 0, 0, 0, 2, 0, 0, 0, 0xFD, 0xFF, 5, 0]);
        assert!(set.add(-40_000));
        assert_eq!(set.view().encoding(), IntsetEncoding::Int32);
        assert_eq!(set.view().iter().collect::<Vec<_>>(), [-40_000, -3, 5]);
        assert!(set.add(1 << 40));
        assert_eq!(set.view().encoding(), IntsetEncoding::Int64);
        assert_eq!(set.view().max(), Some(1 << 40));
        assert_eq!(set.view().min(), Some(-40_000));
        assert!(set.remove(1 << 40) && !set.remove(1 << 40));
        assert_eq!(set.view().encoding(), IntsetEncoding::Int64);
        assert_eq!(set.remove_at(1), Some(-3));
        assert_eq!(set.remove_at(2), None);
        assert_eq!(set.view().iter().rev().collect::<Vec<_>>(), [5, -40_000]);
    }

    #[test]
    fn lookups() {
        let set: Intset = [10, 20, 30].into_iter().collect();
        let view = set.view();
        assert_eq!(view.search(20), Ok(1));
        assert_eq!(view.search(25), Err(2));
        assert_eq!(view.search(5), Err(0));
        assert_eq!(view.search(35), Err(3));
        assert!(view.contains(30) && !view.contains(1 << 20));
        assert!(!set.clone().remove(1 << 20));
        assert_eq!(view.get(2), Some(30));
        assert_eq!(view.get(3), None);
        assert_eq!(view.iter().len(), 3);
        assert_eq!(validate(set.as_bytes(), true), Ok(()));
    }

    #[test]
    fn validate_reports_what_is_wrong() {
        assert!(matches!(
            validate(&[2, 0, 0], true),
            Err(FormatError::TooShort { .. })
        ));
        assert!(matches!(
            validate(&[3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], true),
            Err(FormatError::BadEncoding { .. })
        ));
        assert!(matches!(
            validate(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0], true),
            Err(FormatError::SizeMismatch { .. })
        ));
        assert_eq!(
            validate(&[2, 0, 0, 0, 0, 0, 0, 0], true),
            Err(FormatError::EmptyIntset)
        );
        let duplicate = [2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0];
        assert_eq!(validate(&duplicate, false), Ok(()));
        assert_eq!(
            validate(&duplicate, true),
            Err(FormatError::UnsortedIntset { index: 1 })
        );
    }

    /// Values of every width, clustered so that adds and removes collide.
    fn value() -> impl Strategy<Value = i64> {
        prop_oneof![
            -20i64..20,
            any::<i16>().prop_map(i64::from),
            any::<i32>().prop_map(i64::from),
            any::<i64>(),
        ]
    }

    /// The bytes Redis holds for `values` at `width`.
    fn expected_bytes(width: usize, values: &BTreeSet<i64>) -> Vec<u8> {
        let mut bytes = (width as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&(values.len() as u32).to_le_bytes());
        for value in values {
            bytes.extend_from_slice(&value.to_le_bytes()[..width]);
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn edits_follow_the_model(ops in vec((any::<bool>(), value()), 1..60)) {
            let mut set = Intset::new();
            let mut model = BTreeSet::new();
            let mut width = 2;
            for (add, value) in ops {
                if add {
                    width = width.max(IntsetEncoding::for_value(value).width());
                    prop_assert_eq!(set.add(value), model.insert(value));
                } else {
                    prop_assert_eq!(set.remove(value), model.remove(&value));
                }
                prop_assert_eq!(set.as_bytes(), expected_bytes(width, &model));
                prop_assert_eq!(set.len(), model.len());
                for probe in model.iter().copied().chain([value, value.wrapping_add(1)]) {
                    prop_assert_eq!(set.contains(probe), model.contains(&probe));
                }
                if !model.is_empty() {
                    prop_assert_eq!(validate(set.as_bytes(), true), Ok(()));
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..40), probe: i64) {
            let valid = validate(&bytes, true).is_ok();
            let view = IntsetView::new(&bytes);
            let values: Vec<i64> = view.iter().collect();
            let _ = (view.min(), view.max(), view.get(1), view.search(probe), format!("{view:?}"));
            if valid {
                prop_assert!(values.windows(2).all(|pair| pair[0] < pair[1]));
                for (index, value) in values.iter().enumerate() {
                    prop_assert_eq!(view.search(*value), Ok(index));
                }
                let mut set = view.to_intset();
                set.add(probe);
                prop_assert_eq!(validate(set.as_bytes(), true), Ok(()));
            }
        }
    }
}
