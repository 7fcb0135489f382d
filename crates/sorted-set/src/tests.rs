//! Model tests: random operation sequences against a sorted `Vec`, on tiny tree nodes (see
//! `tree`'s test constants) so short sequences build deep trees.

use super::*;
use proptest::prelude::*;
use std::cmp::Ordering;

impl SortedSet {
    /// Asserts the index, the entries and the tree agree.
    fn check(&self) {
        self.tree.check(&self.entries);
        assert_eq!(self.index.len(), self.entries.len());
        self.index.check(&self.entries);
        for id in 0..self.entries.len() as u32 {
            assert_eq!(self.id_of(self.entries.member(id)), Some(id));
            let key = (self.entries.score(id), id);
            assert!(self.tree.rank_of(key, &self.entries).is_some());
        }
    }
}

/// The reference: (score, member) kept sorted in Redis's order.
#[derive(Default, Debug)]
struct Model {
    items: Vec<(f64, Vec<u8>)>,
}

fn redis_order(a: &(f64, Vec<u8>), b: &(f64, Vec<u8>)) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.1.cmp(&b.1))
}

impl Model {
    fn position(&self, member: &[u8]) -> Option<usize> {
        self.items.iter().position(|(_, m)| m == member)
    }

    fn insert(&mut self, member: &[u8], score: f64) -> InsertOutcome {
        let outcome = match self.position(member) {
            Some(i) if self.items[i].0 == score => {
                return InsertOutcome::Unchanged {
                    score: self.items[i].0,
                };
            }
            Some(i) => InsertOutcome::Updated {
                old_score: self.items.remove(i).0,
            },
            None => InsertOutcome::Added,
        };
        let item = (score, member.to_vec());
        let at = self
            .items
            .partition_point(|x| redis_order(x, &item) == Ordering::Less);
        self.items.insert(at, item);
        outcome
    }

    fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let i = self.position(member)?;
        Some(self.items.remove(i).0)
    }

    fn score_ranks(&self, range: &ScoreRange) -> Range<usize> {
        let start = self
            .items
            .iter()
            .position(|(s, _)| range.contains(*s))
            .unwrap_or(0);
        let n = self
            .items
            .iter()
            .filter(|(s, _)| range.contains(*s))
            .count();
        start..start + n
    }

    fn lex_ranks(&self, range: &LexRange<'_>) -> Range<usize> {
        let start = self
            .items
            .iter()
            .position(|(_, m)| range.contains(m))
            .unwrap_or(0);
        let n = self.items.iter().filter(|(_, m)| range.contains(m)).count();
        start..start + n
    }

    /// The textbook binary search over ranks for where `before` stops holding.
    fn partition(&self, before: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.items.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(&self.items[mid].1) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Redis's zslIsInLexRange.
    fn lex_may_match(&self, range: &LexRange<'_>) -> bool {
        range.may_hold_any()
            && self.items.last().is_some_and(|(_, m)| range.above_min(m))
            && self.items.first().is_some_and(|(_, m)| range.below_max(m))
    }

    /// Redis's zslFirstInLexRange with the binary search, for any order.
    fn lex_first(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_may_match(range) {
            return None;
        }
        let r = self.partition(|m| !range.above_min(m));
        self.items
            .get(r)
            .filter(|(_, m)| range.below_max(m))
            .map(|_| r)
    }

    /// Redis's zslLastInLexRange with the binary search, for any order.
    fn lex_last(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_may_match(range) {
            return None;
        }
        let r = self.partition(|m| range.below_max(m)).checked_sub(1)?;
        range.above_min(&self.items[r].1).then_some(r)
    }

    /// What ZRANGEBYLEX, ZREVRANGEBYLEX, ZLEXCOUNT and ZREMRANGEBYLEX give, for any order.
    fn lex_answers(&self, range: &LexRange<'_>) -> LexAnswers {
        let first = self.lex_first(range);
        let last = self.lex_last(range);
        let forward = first.map_or(Vec::new(), |f| {
            self.items[f..]
                .iter()
                .take_while(|(_, m)| range.below_max(m))
                .cloned()
                .collect()
        });
        let mut backward: Vec<_> = last.map_or(Vec::new(), |l| {
            self.items[..=l]
                .iter()
                .rev()
                .take_while(|(_, m)| range.above_min(m))
                .cloned()
                .collect()
        });
        backward.reverse();
        let count = match (first, last) {
            (Some(f), Some(l)) if l >= f => l - f + 1,
            _ => 0,
        };
        let start = self.partition(|m| !range.above_min(m));
        let removed = self.items[start..]
            .iter()
            .take_while(|(_, m)| range.below_max(m))
            .count();
        LexAnswers {
            first,
            last,
            count,
            forward,
            backward,
            removed: start..start + removed,
        }
    }
}

#[derive(Debug, PartialEq)]
struct LexAnswers {
    first: Option<usize>,
    last: Option<usize>,
    count: usize,
    forward: Vec<(f64, Vec<u8>)>,
    backward: Vec<(f64, Vec<u8>)>,
    removed: Range<usize>,
}

/// An owned lex bound for strategies.
#[derive(Debug, Clone)]
enum Bound {
    Min,
    Max,
    Included(Vec<u8>),
    Excluded(Vec<u8>),
}

impl Bound {
    fn borrow(&self) -> LexBound<'_> {
        match self {
            Bound::Min => LexBound::Min,
            Bound::Max => LexBound::Max,
            Bound::Included(m) => LexBound::Included(m),
            Bound::Excluded(m) => LexBound::Excluded(m),
        }
    }
}

fn lex_range<'a>(min: &'a Bound, max: &'a Bound) -> LexRange<'a> {
    LexRange {
        min: min.borrow(),
        max: max.borrow(),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Vec<u8>, f64),
    Remove(Vec<u8>),
    RemoveRanks(usize, usize),
    RemoveScores(ScoreRange),
    RemoveLex(Bound, Bound),
    PopMin(usize),
    PopMax(usize),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0u8, b'a', b'b', 0xff]), 0..4)
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            f64::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            1.0,
            2.5,
            f64::INFINITY
        ]),
        (-4i32..4).prop_map(f64::from),
    ]
}

fn score_bound() -> impl Strategy<Value = ScoreBound> {
    prop_oneof![
        score().prop_map(ScoreBound::Included),
        score().prop_map(ScoreBound::Excluded),
    ]
}

fn score_range() -> impl Strategy<Value = ScoreRange> {
    (score_bound(), score_bound()).prop_map(|(min, max)| ScoreRange { min, max })
}

fn lex_bound() -> impl Strategy<Value = Bound> {
    prop_oneof![
        1 => Just(Bound::Min),
        1 => Just(Bound::Max),
        3 => member().prop_map(Bound::Included),
        3 => member().prop_map(Bound::Excluded),
    ]
}

/// Operations; with `equal_scores` every score is 0.0 or -0.0 (equal), so lex ranges are
/// meaningful and compared exactly.
fn op(equal_scores: bool) -> impl Strategy<Value = Op> {
    let score = if equal_scores {
        prop::sample::select(vec![0.0, -0.0]).boxed()
    } else {
        score().boxed()
    };
    prop_oneof![
        12 => (member(), score).prop_map(|(m, s)| Op::Insert(m, s)),
        3 => member().prop_map(Op::Remove),
        1 => (0usize..40, 0usize..40).prop_map(|(a, b)| Op::RemoveRanks(a, b)),
        1 => score_range().prop_map(Op::RemoveScores),
        1 => (lex_bound(), lex_bound()).prop_map(|(a, b)| Op::RemoveLex(a, b)),
        1 => (0usize..5).prop_map(Op::PopMin),
        1 => (0usize..5).prop_map(Op::PopMax),
    ]
}

/// Parameters of the queries run after every operation.
#[derive(Debug, Clone)]
struct Queries {
    ranks: Vec<(usize, usize)>,
    score_ranges: Vec<ScoreRange>,
    lex_ranges: Vec<(Bound, Bound)>,
    absent: Vec<Vec<u8>>,
}

fn queries() -> impl Strategy<Value = Queries> {
    (
        prop::collection::vec((0usize..70, 0usize..70), 3),
        prop::collection::vec(score_range(), 4),
        prop::collection::vec((lex_bound(), lex_bound()), 4),
        prop::collection::vec(member(), 2),
    )
        .prop_map(|(ranks, score_ranges, lex_ranges, absent)| Queries {
            ranks,
            score_ranges,
            lex_ranges,
            absent,
        })
}

fn owned<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> Vec<(f64, Vec<u8>)> {
    items.map(|(m, s)| (s, m.to_vec())).collect()
}

/// Same scores bit for bit (so -0.0 and 0.0 are told apart) and same members.
fn assert_same(actual: &[(f64, Vec<u8>)], expected: &[(f64, Vec<u8>)]) {
    let bits = |v: &[(f64, Vec<u8>)]| {
        v.iter()
            .map(|(s, m)| (s.to_bits(), m.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(actual), bits(expected));
}

fn apply(set: &mut SortedSet, model: &mut Model, op: &Op) {
    match op {
        Op::Insert(m, s) => {
            assert_eq!(set.insert(m, *s), Ok(model.insert(m, *s)));
        }
        Op::Remove(m) => {
            assert_eq!(
                set.remove(m).map(f64::to_bits),
                model.remove(m).map(f64::to_bits)
            );
        }
        Op::RemoveRanks(a, b) => {
            let mut seen = Vec::new();
            let n = set.remove_range_by_rank(*a..*b, |m, s| seen.push((s, m.to_vec())));
            let end = (*b).min(model.items.len());
            let start = (*a).min(end);
            let expected: Vec<_> = model.items.drain(start..end).collect();
            assert_eq!(n, expected.len());
            assert_same(&seen, &expected);
        }
        Op::RemoveScores(range) => {
            let mut seen = Vec::new();
            let n = set.remove_range_by_score(range, |m, s| seen.push((s, m.to_vec())));
            let expected: Vec<_> = model.items.drain(model.score_ranks(range)).collect();
            assert_eq!(n, expected.len());
            assert_same(&seen, &expected);
        }
        Op::RemoveLex(min, max) => {
            let range = lex_range(min, max);
            let mut seen = Vec::new();
            let n = set.remove_range_by_lex(&range, |m, s| seen.push((s, m.to_vec())));
            assert_eq!(n, seen.len());
            let ranks = if all_scores_equal(model) {
                model.lex_ranks(&range)
            } else {
                model.lex_answers(&range).removed
            };
            let expected: Vec<_> = model.items.drain(ranks).collect();
            assert_same(&seen, &expected);
        }
        Op::PopMin(count) => {
            let popped: Vec<_> = set
                .pop_min(*count)
                .into_iter()
                .map(|(m, s)| (s, m))
                .collect();
            let n = (*count).min(model.items.len());
            let expected: Vec<_> = model.items.drain(..n).collect();
            assert_same(&popped, &expected);
        }
        Op::PopMax(count) => {
            let popped: Vec<_> = set
                .pop_max(*count)
                .into_iter()
                .map(|(m, s)| (s, m))
                .collect();
            let n = (*count).min(model.items.len());
            let len = model.items.len();
            let expected: Vec<_> = model.items.drain(len - n..).rev().collect();
            assert_same(&popped, &expected);
        }
    }
}

fn all_scores_equal(model: &Model) -> bool {
    model.items.windows(2).all(|w| w[0].0 == w[1].0)
}

fn verify(set: &SortedSet, model: &Model, q: &Queries) {
    set.check();
    let len = model.items.len();
    assert_eq!(set.len(), len);
    assert_eq!(set.is_empty(), len == 0);
    assert_same(&owned(set.iter()), &model.items);
    let mut reversed = model.items.clone();
    reversed.reverse();
    assert_same(&owned(set.iter().rev()), &reversed);
    for (rank, (score, member)) in model.items.iter().enumerate() {
        assert_eq!(set.score(member).map(f64::to_bits), Some(score.to_bits()));
        assert_eq!(set.rank(member), Some(rank));
        assert!(set.contains(member));
        let (m, s) = set.get_by_rank(rank).unwrap();
        assert_eq!((m, s.to_bits()), (&member[..], score.to_bits()));
    }
    assert_eq!(set.get_by_rank(len), None);
    assert_eq!(set.at(len), None);
    let mut stored: Vec<_> = (0..len)
        .map(|p| set.at(p).unwrap())
        .map(|(m, s)| (s, m.to_vec()))
        .collect();
    stored.sort_by(redis_order);
    assert_same(&stored, &model.items);
    for m in &q.absent {
        if model.position(m).is_none() {
            assert_eq!(set.score(m), None);
            assert_eq!(set.rank(m), None);
            assert!(!set.contains(m));
        }
    }
    for &(a, b) in &q.ranks {
        let end = b.min(len);
        let start = a.min(end);
        let expected = &model.items[start..end];
        let iter = set.range_by_rank(a..b);
        assert_eq!(iter.len(), expected.len());
        assert_same(&owned(iter), expected);
        let mut back: Vec<_> = owned(set.range_by_rank(a..b).rev());
        back.reverse();
        assert_same(&back, expected);
        // Alternating ends meet in the middle.
        let mut iter = set.range_by_rank(a..b);
        let (mut front, mut tail) = (Vec::new(), Vec::new());
        while let Some((m, s)) = iter.next() {
            front.push((s, m.to_vec()));
            match iter.next_back() {
                Some((m, s)) => tail.push((s, m.to_vec())),
                None => break,
            }
        }
        tail.reverse();
        front.extend(tail);
        assert_same(&front, expected);
    }
    for range in &q.score_ranges {
        let ranks = model.score_ranks(range);
        let expected = &model.items[ranks.clone()];
        assert_eq!(set.count_in_score_range(range), expected.len());
        assert_eq!(set.score_range_ranks(range).len(), expected.len());
        let first = (!expected.is_empty()).then_some(ranks.start);
        let last = (!expected.is_empty()).then(|| ranks.end - 1);
        assert_eq!(set.score_range_first(range), first);
        assert_eq!(set.score_range_last(range), last);
        assert_same(&owned(set.range_by_score(range)), expected);
        let mut back = owned(set.range_by_score(range).rev());
        back.reverse();
        assert_same(&back, expected);
    }
    let equal_scores = all_scores_equal(model);
    for (min, max) in &q.lex_ranges {
        let range = lex_range(min, max);
        let count = set.count_in_lex_range(&range);
        let forward = owned(set.range_by_lex(&range));
        let mut backward = owned(set.range_by_lex_rev(&range));
        backward.reverse();
        let first = set.lex_range_first(&range);
        let last = set.lex_range_last(&range);
        let answers = model.lex_answers(&range);
        if equal_scores {
            // Ordered by member: the plain meaning of a lex range, which the Redis
            // algorithms in the model must give too.
            let ranks = model.lex_ranks(&range);
            let expected = &model.items[ranks.clone()];
            assert_eq!(count, expected.len());
            assert_same(&forward, expected);
            assert_same(&backward, expected);
            assert_eq!(first, (!expected.is_empty()).then_some(ranks.start));
            assert_eq!(last, (!expected.is_empty()).then(|| ranks.end - 1));
            assert_eq!(answers.count, expected.len());
            assert_same(&model.items[answers.removed.clone()], expected);
        }
        assert_eq!(
            (first, last, count),
            (answers.first, answers.last, answers.count)
        );
        assert_same(&forward, &answers.forward);
        assert_same(&backward, &answers.backward);
    }
    let mut scanned = Vec::new();
    let mut cursor = 0;
    loop {
        cursor = set.scan(cursor, 3, |m, s| scanned.push((s, m.to_vec())));
        if cursor == 0 {
            break;
        }
    }
    scanned.sort_by(redis_order);
    assert_same(&scanned, &model.items);
    assert!(len == 0 || set.heap_size() > len * size_of::<f64>());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn matches_the_model_with_mixed_scores(
        ops in prop::collection::vec(op(false), 1..160),
        q in queries(),
    ) {
        let mut set = SortedSet::new();
        let mut model = Model::default();
        for op in &ops {
            apply(&mut set, &mut model, op);
            verify(&set, &model, &q);
        }
    }

    #[test]
    fn matches_the_model_with_equal_scores(
        ops in prop::collection::vec(op(true), 1..160),
        q in queries(),
    ) {
        let mut set = SortedSet::new();
        let mut model = Model::default();
        for op in &ops {
            apply(&mut set, &mut model, op);
            verify(&set, &model, &q);
        }
    }

    #[test]
    fn bulk_build_matches_inserts(
        items in prop::collection::vec((member(), score()), 0..120),
        sort_first in any::<bool>(),
        more in prop::collection::vec(op(false), 0..40),
        q in queries(),
    ) {
        let mut model = Model::default();
        let mut unique = Vec::new();
        for (m, s) in &items {
            if model.position(m).is_none() {
                model.insert(m, *s);
                unique.push((m.clone(), *s));
            }
        }
        if sort_first {
            unique = model.items.iter().map(|(s, m)| (m.clone(), *s)).collect();
        }
        let mut set = SortedSet::from_entries(unique).unwrap();
        verify(&set, &model, &q);
        for op in &more {
            apply(&mut set, &mut model, op);
            verify(&set, &model, &q);
        }
    }
}

#[test]
fn ascending_and_descending_inserts_fill_nodes() {
    for descending in [false, true] {
        let mut set = SortedSet::new();
        for i in 0..200u32 {
            let score = if descending {
                -f64::from(i)
            } else {
                f64::from(i)
            };
            set.insert(&i.to_be_bytes(), score).unwrap();
        }
        set.check();
        // Edge splits keep the old node full: far fewer leaves than half-full splitting.
        assert!(set.tree.leaf_count() <= 200usize.div_ceil(tree::LEAF_CAP) + 1);
    }
}

#[test]
fn negative_zero_equals_zero_and_keeps_its_sign() {
    let mut set = SortedSet::new();
    assert_eq!(set.insert(b"a", -0.0), Ok(InsertOutcome::Added));
    assert_eq!(
        set.insert(b"a", 0.0),
        Ok(InsertOutcome::Unchanged { score: -0.0 })
    );
    assert!(set.score(b"a").unwrap().is_sign_negative());
    set.insert(b"b", 0.0).unwrap();
    set.insert(b"0", 0.0).unwrap();
    let order: Vec<_> = set.iter().map(|(m, _)| m.to_vec()).collect();
    assert_eq!(order, [b"0".to_vec(), b"a".to_vec(), b"b".to_vec()]);
}

#[test]
fn nan_is_refused_everywhere() {
    let mut set = SortedSet::new();
    assert_eq!(set.insert(b"a", f64::NAN), Err(SortedSetError::NanScore));
    assert!(set.is_empty());
    set.insert(b"a", 1.0).unwrap();
    assert_eq!(set.insert(b"a", f64::NAN), Err(SortedSetError::NanScore));
    assert_eq!(set.score(b"a"), Some(1.0));
    assert_eq!(
        SortedSet::from_entries([(b"a", f64::NAN)]).err(),
        Some(SortedSetError::NanScore)
    );
    assert_eq!(
        SortedSet::from_entries([(b"a", 1.0), (b"a", 2.0)]).err(),
        Some(SortedSetError::DuplicateMember)
    );
}

#[test]
fn shorter_member_sorts_first_and_infinities_are_ends() {
    let mut set = SortedSet::new();
    for (m, s) in [
        (&b"ab"[..], 1.0),
        (b"a", 1.0),
        (b"", 1.0),
        (b"z", f64::NEG_INFINITY),
        (b"y", f64::INFINITY),
        (b"\xff", 1.0),
    ] {
        set.insert(m, s).unwrap();
    }
    let order: Vec<_> = set.iter().map(|(m, _)| m.to_vec()).collect();
    let expected: [&[u8]; 6] = [b"z", b"", b"a", b"ab", b"\xff", b"y"];
    assert_eq!(order, expected);
}
