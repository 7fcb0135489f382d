//! Redis's glob-style pattern matching (placeholder: being written).

/// Does `string` match the glob `pattern` (Redis `stringmatchlen` semantics)?
pub fn string_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let _ = (pattern, string, nocase);
    unimplemented!("glob is being written")
}
