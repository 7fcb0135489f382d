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
        for &pattern in patterns {
            // Redis looks for wildcards and matches them in the pattern as a C string (up
            // to a NUL byte), but looks exact names up whole.
            let c_pattern = pattern.split(|&b| b == 0).next().unwrap_or_default();
            if !c_pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
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
                        && glob::string_match(c_pattern, name.as_bytes(), true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{load, value};
    use crate::types::MaxmemoryPolicy;

    fn get(config: &Config, patterns: &[&str]) -> Vec<(String, String)> {
        let patterns: Vec<&[u8]> = patterns.iter().map(|pattern| pattern.as_bytes()).collect();
        config.get(&patterns)
    }

    fn set(config: &mut Config, pairs: &[(&str, &str)]) -> Result<Vec<&'static str>, String> {
        let pairs: Vec<(&[u8], &[u8])> = pairs
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        config.set(&pairs).map_err(|error| error.to_string())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn get_by_exact_name_reports_the_name_as_asked() {
        let config = Config::default();
        assert_eq!(get(&config, &["MAXMEMORY"]), pairs(&[("MAXMEMORY", "0")]));
        assert_eq!(
            get(&config, &["maxmemory", "MAXMEMORY"]),
            pairs(&[("maxmemory", "0")])
        );
        assert_eq!(
            get(&config, &["replica-read-only", "slave-read-only"]),
            pairs(&[("replica-read-only", "yes"), ("slave-read-only", "yes")])
        );
        assert_eq!(get(&config, &["nonexistent", "include"]), pairs(&[]));
        assert_eq!(
            get(&config, &["rdb-key-save-delay"]),
            pairs(&[("rdb-key-save-delay", "0")])
        );
    }

    #[test]
    fn get_by_pattern_matches_names_and_aliases_once() {
        let config = Config::default();
        assert_eq!(get(&config, &["Max*ory"]), pairs(&[("maxmemory", "0")]));
        assert_eq!(
            get(&config, &["*read-only*"]),
            pairs(&[("replica-read-only", "yes"), ("slave-read-only", "yes")])
        );
        assert_eq!(
            get(&config, &["maxmemory", "*memory"]),
            pairs(&[
                ("maxmemory", "0"),
                ("replica-ignore-maxmemory", "yes"),
                ("slave-ignore-maxmemory", "yes")
            ])
        );
        // Hidden directives only answer to their exact name.
        assert!(get(&config, &["rdb-key*"]).is_empty());
        assert_eq!(get(&config, &["*"]).len(), 192);
        assert_eq!(get(&config, &["*", "*"]).len(), 192);
        assert_eq!(get(&config, &["*\0junk"]).len(), 192);
        assert!(get(&config, &["port\0"]).is_empty());
    }

    #[test]
    fn get_renders_values_as_redis_does() {
        let config =
            load("maxmemory 1gb\nsave 3600 1 300 100\nloglevel warning\nappendonly yes").unwrap();
        let shown = get(
            &config,
            &["maxmemory", "save", "loglevel", "appendonly", "bind"],
        );
        assert_eq!(
            shown,
            pairs(&[
                ("maxmemory", "1073741824"),
                ("save", "3600 1 300 100"),
                ("loglevel", "warning"),
                ("appendonly", "yes"),
                ("bind", "* -::*"),
            ])
        );
    }

    #[test]
    fn set_changes_several_values_and_reports_what_changed() {
        let mut config = Config::default();
        let changed = set(
            &mut config,
            &[
                ("maxmemory", "10mb"),
                ("MAXMEMORY-policy", "allkeys-lru"),
                ("hz", "10"),
                ("save", "100 10 200 20"),
            ],
        )
        .unwrap();
        assert_eq!(changed, ["maxmemory", "maxmemory-policy", "save"]);
        assert_eq!(config.maxmemory, 10 << 20);
        assert_eq!(config.maxmemory_policy, MaxmemoryPolicy::AllkeysLru);
        assert_eq!(config.save, [(100, 10), (200, 20)]);
        assert_eq!(
            set(&mut config, &[("slave-priority", "5")]).unwrap(),
            ["replica-priority"]
        );
        assert_eq!(set(&mut config, &[("save", "")]).unwrap(), ["save"]);
        assert!(config.save.is_empty());
        assert_eq!(
            set(&mut config, &[("bind", "127.0.0.1 -::1")]).unwrap(),
            ["bind"]
        );
        assert_eq!(config.bind, ["127.0.0.1", "-::1"]);
        assert_eq!(set(&mut config, &[("hz", "1000")]).unwrap(), ["hz"]);
        assert_eq!(value(&config, "hz"), "500");
    }

    #[test]
    fn set_is_all_or_nothing() {
        let mut config = Config::default();
        let before = config.clone();
        let error = set(
            &mut config,
            &[("maxmemory", "5"), ("save", "1 1"), ("port", "abc")],
        )
        .unwrap_err();
        assert_eq!(
            error,
            "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"
        );
        assert_eq!(config, before);
        // The reported name is the registered one: canonical case, alias kept.
        assert_eq!(
            set(&mut config, &[("SLAVE-PRIORITY", "x")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            set(&mut config, &[("save", "100 10  200 20")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
        );
        assert_eq!(config, before);
    }

    #[test]
    fn set_refusals_use_redis_texts() {
        let mut config = Config::default();
        assert_eq!(
            set(&mut config, &[("maxmemory", "1"), ("foo", "1")]).unwrap_err(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(
            set(&mut config, &[("daemonize", "yes")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
        );
        assert_eq!(
            set(&mut config, &[("maxmemory", "1"), ("MaxMemory", "2")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'MaxMemory') - duplicate parameter"
        );
        assert_eq!(
            set(&mut config, &[("dir", "/tmp")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
        );
        // The first refusal wins, even over a later unknown name.
        assert_eq!(
            set(&mut config, &[("daemonize", "yes"), ("foo", "1")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
        );
        assert_eq!(
            set(&mut config, &[("appendonly", "maybe")]).unwrap_err(),
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"
        );
        assert_eq!(config, Config::default());
    }

    #[test]
    fn a_name_and_its_alias_are_not_duplicates() {
        let mut config = Config::default();
        set(
            &mut config,
            &[("replica-read-only", "no"), ("slave-read-only", "yes")],
        )
        .unwrap();
        assert!(config.replica_read_only);
    }

    #[test]
    fn protected_and_loading_checks_depend_on_the_origin() {
        let mut config = load("enable-protected-configs local").unwrap();
        let pairs: [(&[u8], &[u8]); 1] = [(b"dbfilename", b"x.rdb")];
        let remote = SetOrigin::default();
        assert!(config.set_from(&pairs, remote).is_err());
        let local = SetOrigin {
            local_client: true,
            loading: false,
        };
        assert_eq!(config.set_from(&pairs, local).unwrap(), ["dbfilename"]);
        let loading = SetOrigin {
            local_client: true,
            loading: true,
        };
        let appendonly: [(&[u8], &[u8]); 1] = [(b"appendonly", b"yes")];
        assert!(matches!(
            config.set_from(&appendonly, loading),
            Err(ConfigError::Loading)
        ));
        assert_eq!(
            ConfigError::Loading.to_string(),
            "LOADING Redis is loading the dataset in memory"
        );
    }

    #[test]
    fn every_shown_value_can_be_set_back() {
        let mut config = Config::default();
        for (name, shown) in get(&config, &["*"]) {
            let info = crate::lookup(name.as_bytes()).unwrap();
            if !info.modifiable() || info.flags.contains(Flags::PROTECTED) {
                continue;
            }
            assert_eq!(
                set(&mut config, &[(&name, &shown)]),
                Ok(vec![]),
                "{name} {shown:?}"
            );
        }
    }
}
