//! Score and lex range specifications, with Redis's exact comparison rules.
//!
//! A score range is Redis's `zrangespec` (min, max, each inclusive or exclusive); a lex range is
//! its `zlexrangespec`, where `-` and `+` are below and above every member, including each
//! other's use as the opposite bound. Parsing scores is the caller's job (it owns float
//! parsing); parsing lex bounds is here because it has no such dependency.

use std::cmp::Ordering;

/// One end of a score range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// The score itself is in range (`1.5`, `-inf`, `+inf`).
    Included(f64),
    /// The score itself is not (`(1.5`).
    Excluded(f64),
}

/// A score range as ZRANGEBYSCORE/ZCOUNT/ZREMRANGEBYSCORE take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// The low end.
    pub min: ScoreBound,
    /// The high end.
    pub max: ScoreBound,
}

impl ScoreRange {
    /// Every score: `-inf` to `+inf`, both included.
    pub const ALL: ScoreRange = ScoreRange {
        min: ScoreBound::Included(f64::NEG_INFINITY),
        max: ScoreBound::Included(f64::INFINITY),
    };

    /// Redis's `zslValueGteMin`: `score` is not below the range.
    pub fn above_min(&self, score: f64) -> bool {
        match self.min {
            ScoreBound::Included(min) => score >= min,
            ScoreBound::Excluded(min) => score > min,
        }
    }

    /// Redis's `zslValueLteMax`: `score` is not above the range.
    pub fn below_max(&self, score: f64) -> bool {
        match self.max {
            ScoreBound::Included(max) => score <= max,
            ScoreBound::Excluded(max) => score < max,
        }
    }

    /// Whether `score` is in the range.
    pub fn contains(&self, score: f64) -> bool {
        self.above_min(score) && self.below_max(score)
    }

    /// False when no score can be in range (min above max, or equal with an exclusive end), as
    /// Redis's `zslIsInRange` decides before it looks at the set.
    pub fn may_hold_any(&self) -> bool {
        let (min, min_ex) = match self.min {
            ScoreBound::Included(v) => (v, false),
            ScoreBound::Excluded(v) => (v, true),
        };
        let (max, max_ex) = match self.max {
            ScoreBound::Included(v) => (v, false),
            ScoreBound::Excluded(v) => (v, true),
        };
        !(min > max || (min == max && (min_ex || max_ex)))
    }
}

/// One end of a lex range (ZRANGEBYLEX syntax: `-`, `+`, `[member`, `(member`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`.
    Included(&'a [u8]),
    /// `(member`.
    Excluded(&'a [u8]),
}

impl<'a> LexBound<'a> {
    /// Parses one ZRANGEBYLEX bound; `None` is Redis's "min or max not valid string range
    /// item".
    pub fn parse(arg: &'a [u8]) -> Option<Self> {
        match arg {
            b"-" => Some(LexBound::Min),
            b"+" => Some(LexBound::Max),
            [b'[', rest @ ..] => Some(LexBound::Included(rest)),
            [b'(', rest @ ..] => Some(LexBound::Excluded(rest)),
            _ => None,
        }
    }

    fn is_exclusive(&self) -> bool {
        matches!(self, LexBound::Excluded(_))
    }
}

/// One side of Redis's `sdscmplex`: a member or one of the two infinities.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LexPoint<'a> {
    Min,
    Max,
    Member(&'a [u8]),
}

impl<'a> From<LexBound<'a>> for LexPoint<'a> {
    fn from(bound: LexBound<'a>) -> Self {
        match bound {
            LexBound::Min => LexPoint::Min,
            LexBound::Max => LexPoint::Max,
            LexBound::Included(m) | LexBound::Excluded(m) => LexPoint::Member(m),
        }
    }
}

/// Redis's `sdscmplex`: identical points are equal, `-` is below and `+` above everything
/// else, members compare as bytes (shorter first on a common prefix).
fn compare_lex(a: LexPoint<'_>, b: LexPoint<'_>) -> Ordering {
    match (a, b) {
        (LexPoint::Member(x), LexPoint::Member(y)) => x.cmp(y),
        _ if a == b => Ordering::Equal,
        (LexPoint::Min, _) | (_, LexPoint::Max) => Ordering::Less,
        (LexPoint::Max, _) | (_, LexPoint::Min) => Ordering::Greater,
    }
}

/// A lex range as ZRANGEBYLEX/ZLEXCOUNT/ZREMRANGEBYLEX take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexRange<'a> {
    /// The low end.
    pub min: LexBound<'a>,
    /// The high end.
    pub max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    /// Every member: `-` to `+`.
    pub const ALL: LexRange<'static> = LexRange {
        min: LexBound::Min,
        max: LexBound::Max,
    };

    /// Parses the two bounds; `None` when either is invalid.
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Option<Self> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    /// Redis's `zslLexValueGteMin`: `member` is not below the range.
    pub fn above_min(&self, member: &[u8]) -> bool {
        let cmp = compare_lex(LexPoint::Member(member), self.min.into());
        if self.min.is_exclusive() {
            cmp == Ordering::Greater
        } else {
            cmp != Ordering::Less
        }
    }

    /// Redis's `zslLexValueLteMax`: `member` is not above the range.
    pub fn below_max(&self, member: &[u8]) -> bool {
        let cmp = compare_lex(LexPoint::Member(member), self.max.into());
        if self.max.is_exclusive() {
            cmp == Ordering::Less
        } else {
            cmp != Ordering::Greater
        }
    }

    /// Whether `member` is in the range.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.above_min(member) && self.below_max(member)
    }

    /// False when no member can be in range (min above max, or equal with an exclusive end), as
    /// Redis's `zslIsInLexRange` decides before it looks at the set.
    pub fn may_hold_any(&self) -> bool {
        match compare_lex(self.min.into(), self.max.into()) {
            Ordering::Greater => false,
            Ordering::Equal => !(self.min.is_exclusive() || self.max.is_exclusive()),
            Ordering::Less => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lex_bounds_parse_like_redis() {
        assert_eq!(LexBound::parse(b"-"), Some(LexBound::Min));
        assert_eq!(LexBound::parse(b"+"), Some(LexBound::Max));
        assert_eq!(LexBound::parse(b"[a"), Some(LexBound::Included(b"a")));
        assert_eq!(LexBound::parse(b"("), Some(LexBound::Excluded(b"")));
        assert_eq!(LexBound::parse(b"a"), None);
        assert_eq!(LexBound::parse(b"-a"), None);
        assert_eq!(LexBound::parse(b"++"), None);
        assert_eq!(LexBound::parse(b""), None);
    }

    #[test]
    fn infinities_compare_as_sdscmplex() {
        let r = |min, max| LexRange { min, max };
        assert!(r(LexBound::Min, LexBound::Max).contains(b""));
        assert!(!r(LexBound::Max, LexBound::Max).contains(b"z"));
        assert!(!r(LexBound::Min, LexBound::Min).contains(b""));
        assert!(r(LexBound::Min, LexBound::Min).may_hold_any());
        assert!(!r(LexBound::Max, LexBound::Min).may_hold_any());
        assert!(!r(LexBound::Excluded(b"a"), LexBound::Included(b"a")).may_hold_any());
        assert!(r(LexBound::Included(b"a"), LexBound::Included(b"a")).contains(b"a"));
        assert!(!r(LexBound::Included(b"a"), LexBound::Included(b"ab")).contains(b"b"));
        assert!(r(LexBound::Excluded(b""), LexBound::Max).contains(b"\0"));
        assert!(!r(LexBound::Excluded(b""), LexBound::Max).contains(b""));
    }

    #[test]
    fn score_bounds_treat_negative_zero_as_zero() {
        let r = ScoreRange {
            min: ScoreBound::Excluded(-0.0),
            max: ScoreBound::Included(f64::INFINITY),
        };
        assert!(!r.contains(0.0));
        assert!(r.contains(f64::INFINITY));
        let empty = ScoreRange {
            min: ScoreBound::Included(0.0),
            max: ScoreBound::Excluded(-0.0),
        };
        assert!(!empty.may_hold_any());
        assert!(ScoreRange::ALL.contains(f64::NEG_INFINITY));
    }
}
