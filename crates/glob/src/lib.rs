//! Redis's glob-style pattern matching (`KEYS`, `SCAN ... MATCH`, `PSUBSCRIBE`, `CONFIG GET`,
//! `COMMAND LIST FILTERBY PATTERN`), with Redis 7.0's exact answers and without its worst case.
//!
//! This crate owns one function, [`string_match`], which answers what Redis 7.0's
//! `stringmatchlen` (src/util.c) answers for every pattern and string, quirks included:
//!
//! - `*` matches any run of bytes, `?` any one byte, `\x` the byte `x` (a trailing `\` is a
//!   literal backslash).
//! - `[...]` matches one byte: `^` right after `[` negates; `a-z` is a range (a reversed one is
//!   swapped, and bounds compare as x86-64's *signed* C `char`, so `[a-\xff]` means
//!   `\xff..=a`); `\x` inside is the byte `x`, compared case-sensitively even when `nocase`;
//!   a `[` with no closing `]` takes the rest of the pattern as its set.
//! - `nocase` lowercases ASCII `A`-`Z` only (C's `tolower` in the `C` locale).
//! - The empty string matches only the empty pattern (not even `*`): Redis's loop never runs
//!   on an empty string.
//! - Redis gives up (no match) past 1000 nested `*`s: a pattern whose 1001st `*` run is
//!   followed by anything never matches.
//!
//! Redis finds its answer by recursive backtracking, cut short by its `skipLongerMatches` flag.
//! Here every pattern item other than `*` consumes exactly one byte, so the classic greedy
//! matcher that remembers only the last `*` is exact, and it runs in
//! O(len(pattern) × len(string)) whatever the input (`a*a*a*a*a*b` against a long run of `a`s
//! included). It does not own what the pattern is matched against (keys, channels, config
//! names): callers pass bytes.

/// Redis's limit on recursion through `*` (`stringmatchlen_impl`'s `nesting > 1000`).
const MAX_STAR_NESTING: usize = 1000;

/// Does `string` match the glob `pattern`? Exactly Redis 7.0's `stringmatchlen(pattern,
/// string, nocase)`; see the crate documentation for the rules.
pub fn string_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut steps = 0;
    match_counting_steps(pattern, string, nocase, &mut steps)
}

/// [`string_match`], counting in `steps` the pattern items it compares with a byte (so tests
/// can bound the work without timing it).
fn match_counting_steps(pattern: &[u8], string: &[u8], nocase: bool, steps: &mut usize) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    if star_nesting_exceeded(pattern) {
        return false;
    }
    // Where to resume after a mismatch: the pattern just past the last `*` run, and the string
    // byte that `*` run's match ends before. Items between `*`s are one byte wide, so trying
    // longer matches of the last `*` covers every way earlier `*`s could have matched.
    let mut resume: Option<(usize, usize)> = None;
    let (mut p, mut s) = (0, 0);
    while let Some(&byte) = string.get(s) {
        if pattern.get(p) == Some(&b'*') {
            p = skip_stars(pattern, p);
            if p == pattern.len() {
                return true;
            }
            resume = Some((p, s));
            continue;
        }
        if p < pattern.len() {
            *steps += 1;
            let (matched, next) = match_item(pattern, p, byte, nocase);
            if matched {
                p = next;
                s += 1;
                continue;
            }
        }
        let Some((after_star, star_end)) = resume else {
            return false;
        };
        resume = Some((after_star, star_end + 1));
        p = after_star;
        s = star_end + 1;
    }
    skip_stars(pattern, p) == pattern.len()
}

/// The first position at or after `p` that is not a `*`.
fn skip_stars(pattern: &[u8], p: usize) -> usize {
    p + pattern[p..].iter().take_while(|&&b| b == b'*').count()
}

/// Whether Redis's recursion limit makes `pattern` match nothing (non-empty): Redis recurses
/// once per `*` run it passes, and a call more than [`MAX_STAR_NESTING`] deep fails. A match
/// reaches the 1001st run with bytes left (had it run out, the items after the run could not
/// match), so it fails unless that run ends the pattern (a final `*` matches at once).
fn star_nesting_exceeded(pattern: &[u8]) -> bool {
    // Each run but a final one is followed by at least one byte.
    if pattern.len() <= 2 * MAX_STAR_NESTING + 1 {
        return false;
    }
    let mut star_runs = 0;
    let mut p = 0;
    while p < pattern.len() {
        if pattern[p] == b'*' {
            p = skip_stars(pattern, p);
            star_runs += 1;
            if star_runs > MAX_STAR_NESTING {
                return p < pattern.len();
            }
        } else {
            // Where an item ends does not depend on the byte it is compared with.
            p = match_item(pattern, p, 0, false).1;
        }
    }
    false
}

/// Compares the one-byte item (not `*`) at `pattern[p]` with `byte`: whether it matches,
/// and where the next item starts.
fn match_item(pattern: &[u8], p: usize, byte: u8, nocase: bool) -> (bool, usize) {
    match pattern[p] {
        b'?' => (true, p + 1),
        b'[' => match_class(pattern, p + 1, byte, nocase),
        b'\\' if p + 1 < pattern.len() => (same_byte(pattern[p + 1], byte, nocase), p + 2),
        literal => (same_byte(literal, byte, nocase), p + 1),
    }
}

/// Compares the `[...]` set whose body starts at `pattern[p]` (just after the `[`) with
/// `byte`: whether it matches, and where the next item starts (after the closing `]`, or the
/// end of the pattern if there is none).
fn match_class(pattern: &[u8], mut p: usize, byte: u8, nocase: bool) -> (bool, usize) {
    let negated = pattern.get(p) == Some(&b'^');
    if negated {
        p += 1;
    }
    let mut matched = false;
    loop {
        let remaining = pattern.len().saturating_sub(p);
        match pattern.get(p) {
            None => break,
            Some(b'\\') if remaining >= 2 => {
                // Escapes in a set compare exactly, even with `nocase` (as Redis does).
                matched |= pattern[p + 1] == byte;
                p += 2;
            }
            Some(b']') => {
                p += 1;
                break;
            }
            Some(&start) if remaining >= 3 && pattern[p + 1] == b'-' => {
                matched |= in_range(start, pattern[p + 2], byte, nocase);
                p += 3;
            }
            Some(&member) => {
                matched |= same_byte(member, byte, nocase);
                p += 1;
            }
        }
    }
    (matched != negated, p)
}

/// Redis's range test: bounds and byte are C `char`s, signed on x86-64 (where the answers
/// were checked; on arm64, where `char` is unsigned, Redis compares unsigned bytes). A reversed
/// range is swapped before `nocase` lowercases the bounds.
fn in_range(start: u8, end: u8, byte: u8, nocase: bool) -> bool {
    let (mut low, mut high, mut byte) = (start as i8, end as i8, byte as i8);
    if low > high {
        std::mem::swap(&mut low, &mut high);
    }
    if nocase {
        (low, high, byte) = (lower_signed(low), lower_signed(high), lower_signed(byte));
    }
    (low..=high).contains(&byte)
}

/// C's `tolower` in the `C` locale, on a signed `char`.
fn lower_signed(c: i8) -> i8 {
    (c as u8).to_ascii_lowercase() as i8
}

/// A literal pattern byte against a string byte, lowercasing ASCII both sides with `nocase`.
fn same_byte(pattern_byte: u8, byte: u8, nocase: bool) -> bool {
    if nocase {
        pattern_byte.eq_ignore_ascii_case(&byte)
    } else {
        pattern_byte == byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Cases checked with `KEYS pattern` on Debian's redis-server 7.0.15 (`nocase` false), with
    /// these strings as the only keys. Each pattern lists the strings it matched there. (`KEYS *`
    /// itself is left out: Redis lists every key for it without matching, the empty one too.)
    #[rustfmt::skip]
    const KEYS_STRINGS: &[&[u8]] = &[
        b"", b"a", b"b", b"z", b"A", b"0", b"aa", b"ab", b"ac", b"ba", b"abc", b"aXc", b"abbc", b"Ab", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"a*", b"a?b", b"a-", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo", b"\xff", b"\x80", b"\x00", b"a]", b"]]", b"a\\]",
    ];
    /// Each pattern of the `KEYS` check, with the strings it matched.
    #[rustfmt::skip]
    const KEYS_CASES: &[(&[u8], &[&[u8]])] = &[
        (b"**", &[b"a", b"b", b"z", b"A", b"0", b"aa", b"ab", b"ac", b"ba", b"abc", b"aXc", b"abbc", b"Ab", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"a*", b"a?b", b"a-", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo", b"\xff", b"\x80", b"\x00", b"a]", b"]]", b"a\\]"]),
        (b"?", &[b"a", b"b", b"z", b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"\xff", b"\x80", b"\x00"]),
        (b"??", &[b"aa", b"ab", b"ac", b"ba", b"Ab", b"a*", b"a-", b"a]", b"]]"]),
        (b"a*", &[b"a", b"aa", b"ab", b"ac", b"abc", b"aXc", b"abbc", b"a*", b"a?b", b"a-", b"a]", b"a\\]"]),
        (b"*a", &[b"a", b"aa", b"ba"]),
        (b"a*c", &[b"ac", b"abc", b"aXc", b"abbc"]),
        (b"*b*", &[b"b", b"ab", b"ba", b"abc", b"abbc", b"Ab", b"a?b"]),
        (b"?*", &[b"a", b"b", b"z", b"A", b"0", b"aa", b"ab", b"ac", b"ba", b"abc", b"aXc", b"abbc", b"Ab", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"a*", b"a?b", b"a-", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo", b"\xff", b"\x80", b"\x00", b"a]", b"]]", b"a\\]"]),
        (b"*?", &[b"a", b"b", b"z", b"A", b"0", b"aa", b"ab", b"ac", b"ba", b"abc", b"aXc", b"abbc", b"Ab", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"a*", b"a?b", b"a-", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo", b"\xff", b"\x80", b"\x00", b"a]", b"]]", b"a\\]"]),
        (b"a**", &[b"a", b"aa", b"ab", b"ac", b"abc", b"aXc", b"abbc", b"a*", b"a?b", b"a-", b"a]", b"a\\]"]),
        (b"***b", &[b"b", b"ab", b"Ab", b"a?b"]),
        (b"", &[b""]),
        (b"h?llo", &[b"hello", b"hallo", b"hxllo"]),
        (b"h*llo", &[b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo"]),
        (b"h[ae]llo", &[b"hello", b"hallo"]),
        (b"h[^e]llo", &[b"hallo", b"hxllo"]),
        (b"h[a-b]llo", &[b"hallo"]),
        (b"[b-a]", &[b"a", b"b"]),
        (b"[a-]", &[b"a", b"]", b"^"]),
        (b"[]]", &[]),
        (b"[]a]", &[]),
        (b"[^]", &[b"a", b"b", b"z", b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"\xff", b"\x80", b"\x00"]),
        (b"[^", &[b"a", b"b", b"z", b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"\xff", b"\x80", b"\x00"]),
        (b"[", &[]),
        (b"[a", &[b"a"]),
        (b"[\\]]", &[b"]"]),
        (b"[\\", &[b"\\"]),
        (b"\\", &[b"\\"]),
        (b"\\\\", &[b"\\"]),
        (b"\\*", &[b"*"]),
        (b"a\\", &[]),
        (b"\\a", &[b"a"]),
        (b"[-]", &[b"-"]),
        (b"[a-c-e]", &[b"a", b"b", b"-"]),
        (b"[!a]", &[b"a"]),
        (b"[a-\xff]", &[b"a", b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"\xff", b"\x00"]),
        (b"[\x80-\xff]", &[b"\xff", b"\x80"]),
        (b"[^a-z]", &[b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"\xff", b"\x80", b"\x00"]),
        (b"*\\*", &[b"*", b"a*"]),
        (b"a\\*", &[b"a*"]),
        (b"[*]", &[b"*"]),
        (b"[?]", &[b"?"]),
        (b"*[", &[]),
        (b"[\\-]", &[b"-"]),
        (b"[a\\-c]", &[b"a", b"-"]),
        (b"[A-Z]", &[b"A"]),
        (b"[Z-a]", &[b"a", b"]", b"[", b"^", b"\\"]),
        (b"[[]", &[b"["]),
        (b"[]-a]", &[]),
        (b"[^^]", &[b"a", b"b", b"z", b"A", b"0", b"-", b"]", b"[", b"\\", b"*", b"?", b"\xff", b"\x80", b"\x00"]),
        (b"[a-c]*", &[b"a", b"b", b"aa", b"ab", b"ac", b"ba", b"abc", b"aXc", b"abbc", b"a*", b"a?b", b"a-", b"a]", b"a\\]"]),
        (b"*[^a]", &[b"b", b"z", b"A", b"0", b"ab", b"ac", b"abc", b"aXc", b"abbc", b"Ab", b"-", b"]", b"[", b"^", b"\\", b"*", b"?", b"a*", b"a?b", b"a-", b"hello", b"hallo", b"hxllo", b"heeeello", b"hllo", b"\xff", b"\x80", b"\x00", b"a]", b"]]", b"a\\]"]),
        (b"a[b-]", &[b"aa", b"ab", b"a]"]),
        (b"[ab", &[b"a", b"b"]),
        (b"a[", &[]),
        (b"[\x00]", &[b"\x00"]),
        (b"?\\", &[]),
        (b"[a-\\]]", &[b"a]", b"]]"]),
        (b"[--z]", &[b"a", b"b", b"z", b"A", b"0", b"-", b"]", b"[", b"^", b"\\", b"?"]),
    ];

    /// A plain recursive transliteration of Redis 7.0's `stringmatchlen_impl` without its
    /// `skipLongerMatches` cut and nesting limit: exponential, but an independent statement of
    /// the same rules. `at` reads like C past the end of the pattern: a NUL terminator.
    fn reference(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
        fn at(pattern: &[u8], i: usize) -> u8 {
            pattern.get(i).copied().unwrap_or(0)
        }
        fn lower(c: u8) -> u8 {
            c.to_ascii_lowercase()
        }
        fn go(pattern: &[u8], mut p: usize, string: &[u8], mut s: usize, nocase: bool) -> bool {
            let plen = pattern.len();
            while p < plen && s < string.len() {
                let c = string[s];
                match pattern[p] {
                    b'*' => {
                        while p < plen && at(pattern, p + 1) == b'*' {
                            p += 1;
                        }
                        if plen - p == 1 {
                            return true;
                        }
                        while s < string.len() {
                            if go(pattern, p + 1, string, s, nocase) {
                                return true;
                            }
                            s += 1;
                        }
                        return false;
                    }
                    b'?' => s += 1,
                    b'[' => {
                        p += 1;
                        let not = at(pattern, p) == b'^';
                        if not {
                            p += 1;
                        }
                        let mut matched = false;
                        loop {
                            if at(pattern, p) == b'\\' && plen - p >= 2 {
                                p += 1;
                                matched |= pattern[p] == c;
                            } else if at(pattern, p) == b']' {
                                break;
                            } else if p == plen {
                                p -= 1;
                                break;
                            } else if plen - p >= 3 && pattern[p + 1] == b'-' {
                                let mut start = pattern[p] as i8 as i32;
                                let mut end = pattern[p + 2] as i8 as i32;
                                let mut ch = c as i8 as i32;
                                if start > end {
                                    std::mem::swap(&mut start, &mut end);
                                }
                                if nocase {
                                    let tolower = |v: i32| {
                                        if (65..=90).contains(&v) { v + 32 } else { v }
                                    };
                                    start = tolower(start);
                                    end = tolower(end);
                                    ch = tolower(ch);
                                }
                                p += 2;
                                matched |= ch >= start && ch <= end;
                            } else if nocase {
                                matched |= lower(pattern[p]) == lower(c);
                            } else {
                                matched |= pattern[p] == c;
                            }
                            p += 1;
                        }
                        if not {
                            matched = !matched;
                        }
                        if !matched {
                            return false;
                        }
                        s += 1;
                    }
                    first => {
                        let literal = if first == b'\\' && plen - p >= 2 {
                            p += 1;
                            pattern[p]
                        } else {
                            first
                        };
                        let equal = if nocase {
                            lower(literal) == lower(c)
                        } else {
                            literal == c
                        };
                        if !equal {
                            return false;
                        }
                        s += 1;
                    }
                }
                p += 1;
                if s == string.len() {
                    while at(pattern, p) == b'*' {
                        p += 1;
                    }
                    break;
                }
            }
            p == plen && s == string.len()
        }
        go(pattern, 0, string, 0, nocase)
    }

    #[test]
    fn keys_cases_match_redis() {
        for &(pattern, matching) in KEYS_CASES {
            for &string in KEYS_STRINGS {
                let expected = matching.contains(&string);
                assert_eq!(
                    string_match(pattern, string, false),
                    expected,
                    "pattern {:?} string {:?}",
                    pattern.escape_ascii().to_string(),
                    string.escape_ascii().to_string()
                );
            }
        }
    }

    /// `nocase` cases checked with `CONFIG GET pattern` (which matches config names without
    /// case) on redis-server 7.0.15, against the name `maxmemory-policy`.
    #[test]
    fn nocase_cases_match_redis_config_get() {
        let cases: &[(&[u8], bool)] = &[
            (b"MAXMEMORY-POLIC?", true),
            (b"[M]axmemory-policy", true),
            (b"[L-N]axmemory-policy", true),
            (b"[\\M]axmemory-policy", false),
            (b"[\\m]axmemory-policy", true),
            (b"\\Maxmemory-polic?", true),
            (b"[A-Z]axmemory-policy", true),
            (b"[Z-m]axmemory-policy", false),
            (b"[m-Z]axmemory-policy", false),
            (b"[^M]axmemory-policy", false),
            (b"maxmemory-policy*", true),
            (b"*MEMORY-POLICY", true),
        ];
        for &(pattern, expected) in cases {
            assert_eq!(
                string_match(pattern, b"maxmemory-policy", true),
                expected,
                "{}",
                pattern.escape_ascii()
            );
        }
        assert!(!string_match(b"[Z-m]", b"m", true));
        assert!(string_match(b"[Z-m]", b"m", false));
    }

    /// Checked with `KEYS` on redis-server 7.0.15 against a key of 3000 `a`s.
    #[test]
    fn redis_star_nesting_limit() {
        let key = vec![b'a'; 3000];
        let cases = [
            ("*a".repeat(1000), true),
            ("*a".repeat(1001), false),
            ("a*".repeat(1001), true),
            ("a*".repeat(1002), false),
            ("a*".repeat(1001) + "a", false),
            ("a*".repeat(1000) + "a", true),
            ("*a".repeat(1000) + "*", true),
            ("*a".repeat(1000) + "**", true),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                string_match(pattern.as_bytes(), &key, false),
                expected,
                "{}",
                pattern.len()
            );
        }
        // Runs of `*` inside a set or escaped are not `*` runs.
        let in_sets = "[*]a".repeat(1001);
        assert!(string_match(
            in_sets.as_bytes(),
            "*a".repeat(1001).as_bytes(),
            false
        ));
        let escaped = "\\*a".repeat(1001);
        assert!(string_match(
            escaped.as_bytes(),
            "*a".repeat(1001).as_bytes(),
            false
        ));
    }

    #[test]
    fn pathological_patterns_take_at_most_pattern_times_string_steps() {
        let string = vec![b'a'; 5000];
        for pattern in [
            &b"a*a*a*a*a*a*a*a*a*b"[..],
            b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
            b"*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*[b]",
            b"*[a]*[^b]*\\a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c*",
        ] {
            let mut steps = 0;
            assert!(!match_counting_steps(pattern, &string, false, &mut steps));
            assert!(
                steps <= pattern.len() * string.len(),
                "{} took {steps} steps",
                pattern.escape_ascii()
            );
        }
        let mut steps = 0;
        let pattern = "*a".repeat(100);
        assert!(match_counting_steps(
            pattern.as_bytes(),
            &string,
            false,
            &mut steps
        ));
        assert!(steps <= pattern.len() * string.len());
    }

    fn glob_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            3 => Just(b'*'),
            2 => Just(b'?'),
            3 => Just(b'['),
            3 => Just(b']'),
            2 => Just(b'^'),
            2 => Just(b'-'),
            2 => Just(b'\\'),
            4 => Just(b'a'),
            3 => Just(b'b'),
            2 => Just(b'A'),
            1 => Just(b'Z'),
            1 => Just(0xff_u8),
            1 => Just(0x80_u8),
            1 => Just(0_u8),
        ];
        proptest::collection::vec(byte, 0..12)
    }

    fn subject_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            5 => Just(b'a'),
            4 => Just(b'b'),
            2 => Just(b'A'),
            1 => Just(b'B'),
            1 => Just(b'*'),
            1 => Just(b'['),
            1 => Just(b']'),
            1 => Just(b'-'),
            1 => Just(b'\\'),
            1 => Just(b'^'),
            1 => Just(0xff_u8),
            1 => Just(0x80_u8),
        ];
        proptest::collection::vec(byte, 0..10)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn agrees_with_recursive_reference(
            pattern in glob_bytes(),
            string in subject_bytes(),
            nocase in any::<bool>(),
        ) {
            prop_assert_eq!(
                string_match(&pattern, &string, nocase),
                reference(&pattern, &string, nocase),
                "pattern {} string {}", pattern.escape_ascii(), string.escape_ascii()
            );
        }

        /// A literal pattern (every byte escaped) matches exactly itself.
        #[test]
        fn escaped_pattern_matches_only_itself(
            text in proptest::collection::vec(any::<u8>(), 1..16),
            other in proptest::collection::vec(any::<u8>(), 1..16),
        ) {
            let pattern: Vec<u8> = text.iter().flat_map(|&b| [b'\\', b]).collect();
            prop_assert!(string_match(&pattern, &text, false));
            prop_assert_eq!(string_match(&pattern, &other, false), other == text);
        }
    }
}
