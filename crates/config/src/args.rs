//! Text-level helpers shared by loading and rewriting: Redis's `sdssplitargs` (how a
//! config line is cut into arguments), `sdscatrepr` (how a value is quoted when written
//! back), and `main()`'s translation of `--name value ...` command-line options into extra
//! config lines. Knows nothing about individual directives.

/// Splits a line the way Redis's `sdssplitargs` does (the rules are `resp::split_args`'s,
/// shared with inline commands): blanks separate arguments, `"double quotes"` understand
/// `\n \r \t \b \a \xHH` and `\<any>`, `'single quotes'` understand only `\'`, and a
/// closing quote must be followed by a blank or the end. Returns `None` for unbalanced
/// quotes. A NUL byte ends the line, as it does for C.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    Some(
        resp::split_args(line)?
            .into_iter()
            .map(|arg| arg.to_vec())
            .collect(),
    )
}

/// Redis's `sdscatrepr` (`resp::repr`): how CONFIG REWRITE quotes a value.
pub(crate) fn quote(bytes: &[u8]) -> String {
    resp::repr(bytes)
}

/// The part of `redis-server`'s command line that follows the config file, turned into
/// config text the way Redis's `main()` does it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CommandLineOptions {
    /// Extra config lines, appended after the file (and stdin) contents.
    pub text: String,
    /// A lone `-` asked for config to be read from standard input.
    pub read_stdin: bool,
}

/// Translates `--name value ...` arguments into config lines. `has_config_file` says
/// whether a config file preceded `args` on the command line (so `args[0]` is argv\[2\]
/// rather than argv\[1\]).
///
/// Each `--name` starts a new line; every following argument up to the next `--name` is
/// appended quoted, so `--save 900 1 300 10` becomes `save "900" "1" "300" "10"`. A `--name`
/// right after another `--name` is itself taken as that option's value (so
/// `--requirepass --weird` sets the password `--weird`), except after `--save` and
/// `--sentinel`, which may stand alone (`--save` then means `save ""`). A `-` that is the
/// first or last argument means "also read config from stdin".
pub(crate) fn command_line_options(args: &[String], has_config_file: bool) -> CommandLineOptions {
    let mut options = CommandLineOptions::default();
    let mut handled_last_option_value = true;
    let first_argv_index = if has_config_file { 2 } else { 1 };
    let last = args.len().saturating_sub(1);
    for (position, arg) in args.iter().enumerate() {
        let argv_index = first_argv_index + position;
        let next_is_option = args
            .get(position + 1)
            .is_some_and(|next| next.starts_with("--"));
        if arg == "-" && (argv_index == 1 || position == last) {
            options.read_stdin = true;
        } else if handled_last_option_value && arg.starts_with("--") {
            if !options.text.is_empty() {
                options.text.push('\n');
            }
            options.text.push_str(&arg[2..]);
            options.text.push(' ');
            let words = split_args(arg.as_bytes()).map_or(0, |words| words.len());
            if words == 1 {
                handled_last_option_value = false;
                let is_save = arg.eq_ignore_ascii_case("--save");
                let is_sentinel = arg.eq_ignore_ascii_case("--sentinel");
                if position != last && next_is_option && is_save {
                    options.text.push_str("\"\"");
                    handled_last_option_value = true;
                } else if position == last && is_save {
                    options.text.push_str("\"\"");
                } else if position != last && next_is_option && is_sentinel {
                    handled_last_option_value = true;
                }
            } else {
                // "--port 6380" given as one argument carries its own value.
                handled_last_option_value = true;
            }
        } else {
            options.text.push_str(&quote(arg.as_bytes()));
            options.text.push(' ');
            handled_last_option_value = true;
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(line: &str) -> Option<Vec<String>> {
        split_args(line.as_bytes()).map(|args| {
            args.into_iter()
                .map(|arg| String::from_utf8_lossy(&arg).into_owned())
                .collect()
        })
    }

    #[test]
    fn splits_like_sdssplitargs() {
        assert_eq!(split("port 6379"), Some(vec!["port".into(), "6379".into()]));
        assert_eq!(split("  a \t b  "), Some(vec!["a".into(), "b".into()]));
        assert_eq!(split(""), Some(vec![]));
        assert_eq!(split("save \"\""), Some(vec!["save".into(), String::new()]));
        assert_eq!(
            split(r#"requirepass "a b\n\x41\"""#),
            Some(vec!["requirepass".into(), "a b\nA\"".into()])
        );
        assert_eq!(
            split(r"x 'it\'s' 'a\nb'"),
            Some(vec!["x".into(), "it's".into(), r"a\nb".into()])
        );
        assert_eq!(split(r#"x ab"cd""#), Some(vec!["x".into(), "abcd".into()]));
        assert_eq!(split("x \"\\xZZ\""), Some(vec!["x".into(), "xZZ".into()]));
        assert_eq!(split("x \x0bb"), Some(vec!["x".into(), "b".into()]));
        assert_eq!(split("x a\x0bb"), Some(vec!["x".into(), "a\x0bb".into()]));
    }

    #[test]
    fn refuses_unbalanced_or_glued_quotes() {
        assert_eq!(split("port \"12"), None);
        assert_eq!(split("port '12"), None);
        assert_eq!(split("x \"a\"b"), None);
        assert_eq!(split("x 'a'b"), None);
        assert_eq!(split("x \"a\\"), None);
    }

    #[test]
    fn a_nul_byte_ends_the_line() {
        assert_eq!(
            split_args(b"port 1\0 junk"),
            Some(vec![b"port".to_vec(), b"1".to_vec()])
        );
        assert_eq!(split_args(b"x \"a\0\""), None);
    }

    #[test]
    fn quotes_like_sdscatrepr() {
        assert_eq!(quote(b"dump.rdb"), "\"dump.rdb\"");
        assert_eq!(quote(b""), "\"\"");
        assert_eq!(
            quote(b"a\"b\\c\n\r\t\x07\x08\x01\xff"),
            r#""a\"b\\c\n\r\t\a\b\x01\xff""#
        );
    }

    fn options(args: &[&str], has_file: bool) -> CommandLineOptions {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        command_line_options(&args, has_file)
    }

    #[test]
    fn builds_option_lines_like_redis_main() {
        assert_eq!(
            options(&["--port", "7000", "--save", "900", "1"], true).text,
            "port \"7000\" \nsave \"900\" \"1\" "
        );
        assert_eq!(options(&["--save"], true).text, "save \"\"");
        assert_eq!(
            options(&["--save", "--port", "1"], true).text,
            "save \"\"\nport \"1\" "
        );
        assert_eq!(
            options(&["--requirepass", "--weird"], true).text,
            "requirepass \"--weird\" "
        );
        assert_eq!(
            options(&["--port 7000", "--loglevel", "debug"], true).text,
            "port 7000 \nloglevel \"debug\" "
        );
        assert_eq!(
            options(&["--sentinel", "--port", "1"], true).text,
            "sentinel \nport \"1\" "
        );
    }

    #[test]
    fn a_lone_dash_first_or_last_reads_stdin() {
        assert!(options(&["-"], false).read_stdin);
        assert!(options(&["--port", "1", "-"], true).read_stdin);
        assert!(!options(&["-", "--port", "1"], true).read_stdin);
        assert_eq!(
            options(&["-", "--port", "1"], true).text,
            "\"-\" \nport \"1\" "
        );
    }

    proptest! {
        #[test]
        fn quoted_bytes_split_back_to_themselves(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let line = format!("name {}", quote(&bytes));
            let args = split_args(line.as_bytes());
            prop_assert_eq!(args, Some(vec![b"name".to_vec(), bytes]));
        }

        #[test]
        fn splitting_never_panics(line in "[a-z \"'\\\\x0-9\t]{0,40}") {
            let _ = split_args(line.as_bytes());
        }
    }
}
