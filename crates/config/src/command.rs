//! CONFIG GET and CONFIG SET as pure functions over a `Config`, with Redis 7.0.15's
//! semantics: GET takes several glob patterns and reports each directive once under the
//! name it was matched by; SET takes several name/value pairs and applies all or none.
//! The server does the side effects (listening, chdir, eviction...) for the names SET
//! reports as changed.

use crate::Config;
use crate::error::ConfigError;
use crate::load::NOT_UTF8;
use crate::spec::ParseMode;
use crate::table::{DIRECTIVES, Directive, Flags, find};
use crate::types::ProtectedAction;

/// Who is running a CONFIG SET, for the checks that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetOrigin {
    /// The client is connected from the local host (for `enable-protected-configs local`).
    pub local_client: bool,
    /// The server is loading its dataset (directives flagged DENY_LOADING are refused).
    pub loading: bool,
}

impl Config {
    /// CONFIG GET: the directives matching any of the patterns (glob, case-insensitive),
    /// with their values as Redis renders them. A pattern without `*`, `?` or `[` is a
    /// name and is reported as the client spelled it; hidden directives only answer to
    /// their exact name. Each directive name is reported once.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut matches: Vec<(String, &'static Directive)> = Vec::new();
        let seen = |matches: &[(String, &Directive)], name: &[u8]| {
            matches
                .iter()
                .any(|(reported, _)| reported.as_bytes().eq_ignore_ascii_case(name))
        };
        for pattern in patterns {
            // Redis reads the pattern as a C string.
            let pattern = pattern.split(|&b| b == 0).next().unwrap_or_default();
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if !seen(&matches, pattern)
                    && let Some((directive, _)) = find(pattern)
                {
                    matches.push((String::from_utf8_lossy(pattern).into_owned(), directive));
                }
                continue;
            }
            for directive in DIRECTIVES {
                if directive.flags.contains(Flags::HIDDEN) {
                    continue;
                }
                for name in directive.names() {
                    if !seen(&matches, name.as_bytes())
                        && glob::string_match(pattern, name.as_bytes(), true)
                    {
                        matches.push((name.to_owned(), directive));
                    }
                }
            }
        }
        matches
            .into_iter()
            .map(|(name, directive)| (name, directive.access.render(self)))
            .collect()
    }

    /// CONFIG SET from a remote client while not loading: see [`Config::set_from`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, ConfigError> {
        self.set_from(pairs, SetOrigin::default())
    }

    /// CONFIG SET with several name/value pairs, all or nothing: unknown names, immutable
    /// or protected directives, duplicates and invalid values are refused with Redis's
    /// messages and leave the configuration untouched. Returns the (canonical) names of
    /// the directives whose value changed, once each, for the server to act on. If the
    /// server then fails to apply a change, it should restore a clone taken before.
    pub fn set_from(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        origin: SetOrigin,
    ) -> Result<Vec<&'static str>, ConfigError> {
        let mut chosen: Vec<(&'static Directive, &'static str)> = Vec::with_capacity(pairs.len());
        let mut refusal: Option<ConfigError> = None;
        for &(name, _) in pairs {
            let Some((directive, registered)) = find(name) else {
                refusal.get_or_insert_with(|| ConfigError::UnknownOption {
                    name: String::from_utf8_lossy(name).into_owned(),
                });
                continue;
            };
            if refusal.is_some() {
                continue;
            }
            let refused_as = |reason: &str| ConfigError::SetFailed {
                name: String::from_utf8_lossy(name).into_owned(),
                reason: reason.to_owned(),
            };
            if directive.flags.contains(Flags::IMMUTABLE) {
                refusal = Some(refused_as("can't set immutable config"));
            } else if directive.flags.contains(Flags::PROTECTED)
                && !self.allows_protected_configs(origin)
            {
                refusal = Some(refused_as("can't set protected config"));
            } else if origin.loading && directive.flags.contains(Flags::DENY_LOADING) {
                refusal = Some(ConfigError::Loading);
            } else if chosen.iter().any(|&(earlier, earlier_name)| {
                std::ptr::eq(earlier, directive) && earlier_name == registered
            }) {
                // Like Redis, a directive set under both its name and its alias is not a
                // duplicate: the later value wins.
                refusal = Some(refused_as("duplicate parameter"));
            } else {
                chosen.push((directive, registered));
            }
        }
        if let Some(refusal) = refusal {
            return Err(refusal);
        }

        let before = self.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        let mut mode = ParseMode::default();
        for (&(directive, registered), &(_, value)) in chosen.iter().zip(pairs) {
            let result = split_value(directive, value)
                .map_err(std::borrow::Cow::from)
                .and_then(|values| directive.access.set(self, &values, &mut mode));
            match result {
                Ok(true) if !changed.contains(&directive.name) => changed.push(directive.name),
                Ok(_) => {}
                Err(reason) => {
                    *self = before;
                    return Err(ConfigError::SetFailed {
                        name: registered.to_owned(),
                        reason: reason.into_owned(),
                    });
                }
            }
        }
        Ok(changed)
    }

    /// Redis's `allowProtectedAction` for `enable-protected-configs`.
    fn allows_protected_configs(&self, origin: SetOrigin) -> bool {
        match self.enable_protected_configs {
            ProtectedAction::Yes => true,
            ProtectedAction::Local => origin.local_client,
            ProtectedAction::No => false,
        }
    }
}

/// A CONFIG SET value as arguments: multi-argument directives split it on single spaces
/// (so `""` is no argument and doubled spaces make empty ones), the others take it whole.
fn split_value(directive: &Directive, value: &[u8]) -> Result<Vec<String>, &'static str> {
    let text = std::str::from_utf8(value).map_err(|_| NOT_UTF8)?;
    Ok(if !directive.access.multi_arg() {
        vec![text.to_owned()]
    } else if text.is_empty() {
        Vec::new()
    } else {
        text.split(' ').map(str::to_owned).collect()
    })
}
