//! Larger sets on the real node sizes (the unit tests use tiny nodes): a few thousand members
//! through random operations, compared with a sorted `Vec` at checkpoints through the public
//! API only.

use std::cmp::Ordering;

use sorted_set::{InsertOutcome, LexRange, ScoreBound, ScoreRange, SortedSet};

/// A fixed xorshift so the sequence is reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn order(a: &(f64, Vec<u8>), b: &(f64, Vec<u8>)) -> Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.1.cmp(&b.1))
}

fn compare(set: &SortedSet, model: &[(f64, Vec<u8>)], rng: &mut Rng) {
    assert_eq!(set.len(), model.len());
    let ours: Vec<(f64, Vec<u8>)> = set.iter().map(|(m, s)| (s, m.to_vec())).collect();
    assert_eq!(ours, model);
    let back: Vec<(f64, Vec<u8>)> = set.iter().rev().map(|(m, s)| (s, m.to_vec())).collect();
    assert!(back.iter().rev().eq(model.iter()));
    for _ in 0..200 {
        let rank = rng.below(model.len() as u64 + 1) as usize;
        match model.get(rank) {
            Some((score, member)) => {
                assert_eq!(set.rank(member), Some(rank));
                assert_eq!(set.score(member), Some(*score));
                assert_eq!(set.get_by_rank(rank), Some((&member[..], *score)));
                let n = rng.below(100) as usize;
                let window: Vec<_> = set
                    .range_by_rank(rank..rank + n)
                    .rev()
                    .map(|(m, s)| (s, m.to_vec()))
                    .collect();
                let end = (rank + n).min(model.len());
                assert!(window.iter().eq(model[rank..end].iter().rev()));
            }
            None => assert_eq!(set.get_by_rank(rank), None),
        }
        let (a, b) = (rng.below(2000) as f64, rng.below(2000) as f64);
        let range = ScoreRange {
            min: ScoreBound::Excluded(a),
            max: ScoreBound::Included(b),
        };
        let expected = model.iter().filter(|(s, _)| range.contains(*s)).count();
        assert_eq!(set.count_in_score_range(&range), expected);
    }
}

#[test]
fn thousands_of_members_through_random_operations() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut set = SortedSet::new();
    let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
    for step in 0..30_000u32 {
        let member = format!("member:{}", rng.below(6_000)).into_bytes();
        match rng.below(10) {
            0..=6 => {
                let score = rng.below(2_000) as f64;
                let outcome = set.insert(&member, score).unwrap();
                let old = model.iter().position(|(_, m)| *m == member);
                let expected = match old {
                    Some(i) if model[i].0 == score => InsertOutcome::Unchanged { score },
                    Some(i) => InsertOutcome::Updated {
                        old_score: model.remove(i).0,
                    },
                    None => InsertOutcome::Added,
                };
                assert_eq!(outcome, expected);
                if !matches!(expected, InsertOutcome::Unchanged { .. }) {
                    let item = (score, member);
                    let at = model.partition_point(|x| order(x, &item) == Ordering::Less);
                    model.insert(at, item);
                }
            }
            7 | 8 => {
                let old = model.iter().position(|(_, m)| *m == member);
                assert_eq!(set.remove(&member), old.map(|i| model.remove(i).0));
            }
            _ => {
                let start = rng.below(model.len() as u64 + 1) as usize;
                let end = (start + rng.below(80) as usize).min(model.len());
                let mut removed = Vec::new();
                let n = set.remove_range_by_rank(start..end, |m, s| removed.push((s, m.to_vec())));
                assert_eq!(n, end - start);
                assert!(removed.iter().eq(model.drain(start..end).as_slice().iter()));
            }
        }
        if step % 3_000 == 0 {
            compare(&set, &model, &mut rng);
        }
    }
    compare(&set, &model, &mut rng);
    let copy = SortedSet::from_entries(set.iter()).unwrap();
    compare(&copy, &model, &mut rng);
}

#[test]
fn lex_ranges_on_a_large_equal_score_set() {
    let mut set = SortedSet::new();
    let mut members: Vec<Vec<u8>> = (0..5_000u32)
        .map(|i| format!("{:x}", i.wrapping_mul(2_654_435_761)).into_bytes())
        .collect();
    for m in &members {
        set.insert(m, 0.0).unwrap();
    }
    members.sort();
    let range = LexRange::parse(b"[4", b"(8").unwrap();
    let expected: Vec<&[u8]> = members
        .iter()
        .map(|m| &m[..])
        .filter(|m| range.contains(m))
        .collect();
    let ours: Vec<&[u8]> = set.range_by_lex(&range).map(|(m, _)| m).collect();
    assert_eq!(ours, expected);
    assert_eq!(set.count_in_lex_range(&range), expected.len());
    let removed = set.remove_range_by_lex(&range, |_, _| {});
    assert_eq!(removed, expected.len());
    assert_eq!(set.len(), members.len() - removed);
    assert_eq!(set.count_in_lex_range(&range), 0);
    let rest: Vec<&[u8]> = set.iter().map(|(m, _)| m).collect();
    let expected_rest: Vec<&[u8]> = members
        .iter()
        .map(|m| &m[..])
        .filter(|m| !range.contains(m))
        .collect();
    assert_eq!(rest, expected_rest);
}
