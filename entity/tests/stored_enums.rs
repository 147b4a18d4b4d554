//! Status and kind columns are typed (`stored_enum!` in `src/tables/`): no
//! code outside the enum definitions and the migrations compares one with a
//! string literal, sets one from a string, or matches on its stored name.
//! This test reads the sources of `entity`, `worker` and `api` and names
//! every line that does.

#![allow(clippy::unwrap_used)] // a test: a broken source tree should fail it loudly

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The typed columns, as `table::Column::Name`.
const COLUMNS: &[&str] = &[
    "order::Column::Status",
    "order::Column::DeliveryKind",
    "order_event::Column::ToStatus",
    "order_event::Column::FromStatus",
    "order_event::Column::ActorKind",
    "address::Column::Kind",
    "product::Column::Status",
    "delivery_job::Column::Status",
    "dispatch_offer::Column::Status",
    "job::Column::State",
    "ledger_account::Column::Kind",
    "statement::Column::Kind",
    "listing_decision::Column::Decision",
    "merchant::Column::Status",
    "merchant_application::Column::Status",
    "app::Column::Status",
    "payment::Column::Status",
    "payment::Column::Provider",
    "payout::Column::PayeeKind",
    "payout::Column::Status",
    "payout::Column::Provider",
    "refund::Column::Status",
    "refund::Column::Kind",
    "rider::Column::Status",
    "settlement_run::Column::Status",
    "supplier::Column::Kind",
    "trip::Column::Status",
    "trip_package::Column::Status",
    "trip_stop::Column::Kind",
    "daily_reach::Column::Kind",
];

/// Fields that hold a typed column's value.
const FIELDS: &[&str] = &[
    "status",
    "state",
    "kind",
    "delivery_kind",
    "payee_kind",
    "decision",
    "provider",
    "to_status",
    "from_status",
    "actor_kind",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every stored name of every stored enum.
fn stored_names() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&workspace().join("entity/src/tables"), &mut files);
    let mut names = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("stored_enum!") {
                inside = true;
            } else if line == "}" {
                inside = false;
            } else if inside && let Some((_, value)) = line.trim().split_once(" = \"") {
                names.insert(value.trim_end_matches("\",").to_owned());
            }
        }
    }
    names
}

/// The string literals of a line.
fn literals(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

/// Why a line breaks the rule, if it does.
fn offence(line: &str, names: &BTreeSet<String>) -> Option<&'static str> {
    let code = line.split("//").next().unwrap_or_default();
    let stored = literals(code).iter().any(|l| names.contains(*l));
    for f in FIELDS {
        let field = format!(".{f}");
        let mut rest = code;
        while let Some(i) = rest.find(&field) {
            let after = &rest[i + field.len()..];
            let after = after.strip_prefix(".as_str()").unwrap_or(after);
            let compared =
                after.trim_start().starts_with("==") || after.trim_start().starts_with("!=");
            if compared && stored {
                return Some("compares a typed column with a string");
            }
            rest = &rest[i + field.len()..];
        }
        if code.contains("match ") && code.contains(&format!("{field}.as_str()")) {
            return Some("matches a typed column by its stored name");
        }
        if stored && code.contains(&format!("{f}: Set(\"")) {
            return Some("sets a typed column from a string");
        }
    }
    if stored && COLUMNS.iter().any(|c| code.contains(c)) {
        return Some("filters or updates a typed column with a string");
    }
    None
}

#[test]
fn no_status_or_kind_is_compared_as_a_string() {
    let names = stored_names();
    assert!(names.contains("pending_payment") && names.contains("at_agent_point"));
    let mut files = Vec::new();
    for dir in ["entity/src", "worker/src", "api/src"] {
        rust_files(&workspace().join(dir), &mut files);
    }
    let tables = workspace().join("entity/src/tables");
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&tables)) {
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests may build rows by hand.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if let Some(why) = offence(line, &names) {
                found.push(format!(
                    "{}:{}: {why}: {}",
                    f.strip_prefix(workspace()).unwrap_or(f).display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "use the stored enums:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_an_offence() {
    let names = stored_names();
    for line in [
        r#"    if o.status == "paid" {"#,
        r#"        .filter(order::Column::Status.eq("paid"))"#,
        r#"        status: Set("planned".into()),"#,
        r#"    match p.status.as_str() {"#,
        r#"    if j.status.as_str() != "locked" {"#,
    ] {
        assert!(offence(line, &names).is_some(), "missed: {line}");
    }
    for line in [
        r#"    if o.status == OrderStatus::Paid {"#,
        r#"        .filter(ledger_posting::Column::Kind.eq("delivered"))"#,
        r#"    let code = "paid";"#,
    ] {
        assert!(offence(line, &names).is_none(), "flagged: {line}");
    }
}
