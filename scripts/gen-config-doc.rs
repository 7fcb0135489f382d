//! Prints the directive table of docs/configuration.md from `config::directives()`: every
//! directive tessera-server accepts, its default, its values and whether CONFIG SET can
//! change it, sorted by name. Built and run by scripts/gen-config-doc.sh (not a workspace
//! member).

use config::{DirectiveInfo, Flags, ValueKind};

fn main() {
    println!("| Directive | Default | Values | CONFIG SET |");
    println!("|---|---|---|---|");
    let mut directives: Vec<DirectiveInfo> = config::directives().collect();
    directives.sort_by_key(|directive| directive.name);
    for directive in &directives {
        println!(
            "| {} | {} | {} | {} |",
            name_cell(directive),
            default_cell(directive),
            escape(&values(&directive.kind)),
            config_set(directive),
        );
    }
}

fn name_cell(directive: &DirectiveInfo) -> String {
    let mut cell = format!("`{}`", directive.name);
    if let Some(alias) = directive.alias {
        cell.push_str(&format!(" (alias `{alias}`)"));
    }
    if directive.flags.contains(Flags::HIDDEN) {
        cell.push_str(" (hidden from CONFIG GET patterns)");
    }
    cell
}

fn default_cell(directive: &DirectiveInfo) -> String {
    if directive.flags.contains(Flags::FILE_ONLY) {
        "-".to_string()
    } else if directive.flags.contains(Flags::SENSITIVE) && !directive.default.is_empty() {
        "(secret)".to_string()
    } else if directive.default.is_empty() {
        "`\"\"`".to_string()
    } else {
        format!("`{}`", escape(&directive.default))
    }
}

fn values(kind: &ValueKind) -> String {
    match kind {
        ValueKind::Bool => "yes, no".to_string(),
        ValueKind::Integer { min, max } => format!("integer {min} to {max}"),
        ValueKind::Memory { min, max } => {
            format!("bytes {min} to {max}; units k, kb, m, mb, g, gb")
        }
        ValueKind::MemoryOrPercent {
            max_bytes,
            max_percent,
        } => format!("bytes up to {max_bytes}, or N% of maxmemory with N up to {max_percent}"),
        ValueKind::Octal { min, max } => format!("octal {min:o} to {max:o}"),
        ValueKind::Enum { names, combinable } => {
            let list = names.join(", ");
            if *combinable {
                format!("one or more of {list}")
            } else {
                list
            }
        }
        ValueKind::String => "text".to_string(),
        ValueKind::Special { syntax } => format!("`{syntax}`"),
    }
}

fn config_set(directive: &DirectiveInfo) -> &'static str {
    if directive.flags.contains(Flags::FILE_ONLY) {
        "no: config file only"
    } else if !directive.modifiable() {
        "no: startup only"
    } else if directive.flags.contains(Flags::PROTECTED) {
        "if `enable-protected-configs` allows"
    } else {
        "yes"
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}
