//! Sorted sets: a listpack of member, score, member, score... in (score, member) order while
//! small (`listpack` encoding, `zset-max-listpack-entries`/`-value`), a
//! [`sorted_set::SortedSet`] beyond (`skiplist` encoding).
//!
//! Reads go through [`ZSetRef`], which answers ranks, score and lex ranges the same way for
//! both forms (a small set is decoded into a sorted vector for the duration of a command).
//! Writes go through the functions below, which convert where Redis 7.0 converts.

use std::ops::Range;

use listpack::{Element, IntBuf, Listpack, ListpackView, Side};
use sorted_set::{InsertOutcome, LexRange, ScoreRange, SortedSet};

use crate::entry::{Collection, Entry, Stored, ValueType};
use crate::error::CmdError;

/// A sorted set in the `skiplist` encoding.
pub type LargeZSet = SortedSet;

/// The thresholds between the two encodings.
#[derive(Clone, Copy, Debug)]
pub struct ZSetLimits {
    pub max_entries: u64,
    pub max_value: u64,
}

/// Redis 7.0's `d2string`: how a score is written into a listpack (and shown by ZSCAN).
/// Its integer fast path prints -0.0 as "0", so a small set stores -0 as 0 while a large
/// one keeps -0.0 (as Redis: `ZSCORE` answers "0" or "-0" by encoding).
pub fn score_text(score: f64) -> Vec<u8> {
    if score == 0.0 {
        return b"0".to_vec();
    }
    let mut out = Vec::with_capacity(24);
    numeric::format_double(score, &mut out);
    out
}

/// A score read back from a listpack element.
fn element_score(e: Element<'_>) -> f64 {
    match e {
        Element::Int(v) => v as f64,
        Element::Str(s) => numeric::parse_f64(s).unwrap_or(0.0),
    }
}

/// A small sorted set decoded for one command: (member, score) in order.
pub struct Decoded<'a> {
    lp: ListpackView<'a>,
    /// (member, score) elements, decoded the first time a command needs more than a walk
    /// from the front (ZRANGE 0 9 on 100 members decoded all 200 entries and allocated
    /// for them: `perf` put a sixth of its CPU there); scores are parsed only where a
    /// command looks at them.
    items: std::cell::OnceCell<Vec<(Element<'a>, Element<'a>)>>,
}

impl<'a> Decoded<'a> {
    fn new(lp: ListpackView<'a>) -> Decoded<'a> {
        Decoded {
            lp,
            items: std::cell::OnceCell::new(),
        }
    }

    fn items(&self) -> &[(Element<'a>, Element<'a>)] {
        self.items.get_or_init(|| self.lp.pairs().collect())
    }

    /// Members, from the listpack's header count.
    fn len(&self) -> usize {
        self.lp.len() / 2
    }
}

/// A sorted set read in place.
pub enum ZSetRef<'a> {
    Compact(Decoded<'a>),
    Large(&'a SortedSet),
}

impl<'a> ZSetRef<'a> {
    /// The sorted set stored in `entry` (WRONGTYPE for another type).
    pub fn of(entry: &'a Entry) -> Result<ZSetRef<'a>, CmdError> {
        match entry.stored() {
            Stored::Compact(ValueType::ZSet, bytes) => {
                Ok(ZSetRef::Compact(Decoded::new(ListpackView::new(bytes))))
            }
            Stored::Large(Collection::ZSet(z)) => Ok(ZSetRef::Large(z)),
            _ => Err(CmdError::WrongType),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSetRef::Compact(d) => d.len(),
            ZSetRef::Large(z) => z.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSetRef::Compact(d) => d
                .items()
                .iter()
                .find(|(m, _)| m.eq_bytes(member))
                .map(|(_, s)| element_score(*s)),
            ZSetRef::Large(z) => z.score(member),
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSetRef::Compact(d) => d.items().iter().position(|(m, _)| m.eq_bytes(member)),
            ZSetRef::Large(z) => z.rank(member),
        }
    }

    /// The ranks of the members whose score is in `range`.
    pub fn score_ranks(&self, range: &ScoreRange) -> Range<usize> {
        match self {
            ZSetRef::Compact(d) => {
                if !range.may_hold_any() {
                    return 0..0;
                }
                let start = d
                    .items()
                    .partition_point(|(_, s)| !range.above_min(element_score(*s)));
                let end = d
                    .items()
                    .partition_point(|(_, s)| range.below_max(element_score(*s)));
                start..end.max(start)
            }
            ZSetRef::Large(z) => z.score_range_ranks(range),
        }
    }

    /// The ranks of the members in the lex range (meaningful when all scores are equal, as in
    /// Redis: the first member at or above min, walking while at or below max).
    pub fn lex_ranks(&self, range: &LexRange<'_>) -> Range<usize> {
        match self {
            ZSetRef::Compact(d) => {
                if !range.may_hold_any() {
                    return 0..0;
                }
                let mut buf = IntBuf::new();
                let Some(start) = d
                    .items()
                    .iter()
                    .position(|(m, _)| range.above_min(m.as_bytes(&mut buf)))
                else {
                    return 0..0;
                };
                let end = d.items()[start..]
                    .iter()
                    .position(|(m, _)| !range.below_max(m.as_bytes(&mut IntBuf::new())))
                    .map_or(d.items().len(), |n| start + n);
                start..end
            }
            ZSetRef::Large(z) => match (z.lex_range_first(range), z.lex_range_last(range)) {
                (Some(first), Some(last)) if first <= last => first..last + 1,
                _ => 0..0,
            },
        }
    }

    /// Visits the members at `ranks` (ascending ranks; `rev` walks them from the top).
    pub fn visit(&self, ranks: Range<usize>, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        match self {
            ZSetRef::Compact(d) => {
                let end = ranks.end.min(d.len());
                let start = ranks.start.min(end);
                let mut buf = IntBuf::new();
                if rev {
                    for (m, s) in d.items()[start..end].iter().rev() {
                        f(m.as_bytes(&mut buf), element_score(*s));
                    }
                } else if let Some(items) = d.items.get() {
                    for (m, s) in &items[start..end] {
                        f(m.as_bytes(&mut buf), element_score(*s));
                    }
                } else {
                    // A walk from the front decodes only the entries up to `end`.
                    for (m, s) in d.lp.pairs().skip(start).take(end - start) {
                        f(m.as_bytes(&mut buf), element_score(s));
                    }
                }
            }
            ZSetRef::Large(z) => {
                let it = z.range_by_rank(ranks);
                if rev {
                    it.rev().for_each(|(m, s)| f(m, s));
                } else {
                    it.for_each(|(m, s)| f(m, s));
                }
            }
        }
    }

    /// Every (member, score), ascending.
    pub fn to_vec(&self) -> Vec<(Vec<u8>, f64)> {
        let mut out = Vec::with_capacity(self.len());
        self.visit(0..self.len(), false, |m, s| out.push((m.to_vec(), s)));
        out
    }

    /// The member at storage position `i` (< len), for random picks.
    pub fn at(&self, i: usize) -> (Vec<u8>, f64) {
        match self {
            ZSetRef::Compact(d) => {
                let (m, s) = d.items()[i.min(d.items().len().saturating_sub(1))];
                (m.to_vec(), element_score(s))
            }
            ZSetRef::Large(z) => z
                .at(i)
                .map_or_else(|| (Vec::new(), 0.0), |(m, s)| (m.to_vec(), s)),
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSetRef::Compact(_) => "listpack",
            ZSetRef::Large(_) => "skiplist",
        }
    }
}

/// A new, empty sorted set entry in the encoding Redis's `zsetTypeCreate(size_hint,
/// value_len_hint)` picks.
pub fn new_entry(
    key: &[u8],
    size_hint: usize,
    value_len_hint: usize,
    limits: ZSetLimits,
    clock: u32,
) -> Entry {
    if (size_hint as u64) <= limits.max_entries && (value_len_hint as u64) <= limits.max_value {
        Entry::new_compact(key, ValueType::ZSet, Listpack::new().as_bytes(), clock)
    } else {
        Entry::new_large(key, Collection::ZSet(SortedSet::new()), clock)
    }
}

pub(crate) fn make_large(entry: &mut Entry) {
    let large = match entry.stored() {
        Stored::Compact(ValueType::ZSet, bytes) => {
            let mut z = SortedSet::new();
            for (m, s) in ListpackView::new(bytes).pairs() {
                let _ = z.insert(&m.to_vec(), element_score(s));
            }
            z
        }
        _ => return,
    };
    entry.set_large(Collection::ZSet(large));
}

/// Where (member, score) goes in a small set's listpack: the position of the first pair
/// ordered after it, if any.
fn insert_position(lp: &ListpackView<'_>, member: &[u8], score: f64) -> Option<listpack::EntryPos> {
    let mut entries = lp.entries();
    while let Some(m) = entries.next() {
        let s = entries.next()?;
        let existing = element_score(s.element);
        if existing > score
            || (existing == score && m.element.cmp_bytes(member) == std::cmp::Ordering::Greater)
        {
            return Some(m.pos);
        }
    }
    None
}

/// Inserts into a compact listpack at its sorted place.
fn compact_insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let text = score_text(score);
    match insert_position(&lp.view(), member, score) {
        Some(pos) => {
            let at = lp.insert(pos, Side::Before, Element::from_bytes(member));
            lp.insert(at, Side::After, Element::from_bytes(&text));
        }
        None => {
            lp.push_back(Element::from_bytes(member));
            lp.push_back(Element::from_bytes(&text));
        }
    }
}

/// Sets `member`'s score (Redis `zsetAdd` once the flags have decided the new score);
/// converts to the large encoding first when a new member would pass the thresholds.
pub fn set_score(
    entry: &mut Entry,
    member: &[u8],
    score: f64,
    limits: ZSetLimits,
) -> InsertOutcome {
    if let Stored::Compact(_, bytes) = entry.stored() {
        let view = ListpackView::new(bytes);
        match view.find(member, 1) {
            Some(found) => {
                let old = view
                    .next(found.pos)
                    .map_or(0.0, |s| element_score(s.element));
                if old == score {
                    return InsertOutcome::Unchanged { score: old };
                }
                let mut lp = view.to_listpack();
                lp.delete_run(found.pos, 2);
                compact_insert(&mut lp, member, score);
                entry.set_compact(lp.as_bytes());
                return InsertOutcome::Updated { old_score: old };
            }
            None => {
                let pairs = view.len() / 2;
                let too_big = pairs as u64 + 1 > limits.max_entries
                    || member.len() as u64 > limits.max_value
                    || view.bytes_len() + member.len() > listpack::listpack::SAFETY_SIZE_LIMIT;
                if !too_big {
                    let mut lp = view.to_listpack();
                    compact_insert(&mut lp, member, score);
                    entry.set_compact(lp.as_bytes());
                    return InsertOutcome::Added;
                }
                make_large(entry);
            }
        }
    }
    match entry.large_mut() {
        Some(Collection::ZSet(z)) => z
            .insert(member, score)
            .unwrap_or(InsertOutcome::Unchanged { score }),
        _ => InsertOutcome::Unchanged { score },
    }
}

/// Removes members; returns how many existed. The caller deletes the key when empty.
pub fn remove(entry: &mut Entry, members: &[&[u8]]) -> usize {
    let mut removed = 0;
    if let Stored::Compact(_, bytes) = entry.stored() {
        let mut lp = ListpackView::new(bytes).to_listpack();
        for m in members {
            if let Some(found) = lp.view().find(m, 1) {
                lp.delete_run(found.pos, 2);
                removed += 1;
            }
        }
        if removed > 0 {
            entry.set_compact(lp.as_bytes());
        }
        return removed;
    }
    if let Some(Collection::ZSet(z)) = entry.large_mut() {
        for m in members {
            if z.remove(m).is_some() {
                removed += 1;
            }
        }
    }
    removed
}

/// Removes the members at ascending `ranks`; returns them (member, score), ascending.
pub fn remove_ranks(entry: &mut Entry, ranks: Range<usize>) -> Vec<(Vec<u8>, f64)> {
    if ranks.is_empty() {
        return Vec::new();
    }
    if let Stored::Compact(_, bytes) = entry.stored() {
        let view = ListpackView::new(bytes);
        let len = view.len() / 2;
        let end = ranks.end.min(len);
        let start = ranks.start.min(end);
        let removed: Vec<(Vec<u8>, f64)> = view
            .pairs()
            .skip(start)
            .take(end - start)
            .map(|(m, s)| (m.to_vec(), element_score(s)))
            .collect();
        let mut lp = view.to_listpack();
        lp.delete_range(2 * start as i64, 2 * (end - start));
        entry.set_compact(lp.as_bytes());
        return removed;
    }
    let mut removed = Vec::new();
    if let Some(Collection::ZSet(z)) = entry.large_mut() {
        z.remove_range_by_rank(ranks, |m, s| removed.push((m.to_vec(), s)));
    }
    removed
}

/// A sorted set entry holding `items` (distinct members, any order), in the encoding Redis
/// gives a stored result (`zsetConvertToListpackIfNeeded` after building a skiplist).
pub fn build(key: &[u8], mut items: Vec<(Vec<u8>, f64)>, limits: ZSetLimits, clock: u32) -> Entry {
    let max_len = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let total: usize = items.iter().map(|(m, _)| m.len()).sum();
    let fits = items.len() as u64 <= limits.max_entries
        && max_len as u64 <= limits.max_value
        && total <= listpack::listpack::SAFETY_SIZE_LIMIT;
    if fits {
        // Redis compares scores with < and == (-0.0 equals 0.0), then members.
        items.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        let mut lp = Listpack::new();
        for (m, s) in &items {
            lp.push_back(Element::from_bytes(m));
            lp.push_back(Element::from_bytes(&score_text(*s)));
        }
        Entry::new_compact(key, ValueType::ZSet, lp.as_bytes(), clock)
    } else {
        let mut z = SortedSet::new();
        for (m, s) in &items {
            let _ = z.insert(m, *s);
        }
        Entry::new_large(key, Collection::ZSet(z), clock)
    }
}
