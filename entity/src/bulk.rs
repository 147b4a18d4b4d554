//! Bulk imports, all or nothing: every line of a file is checked, every bad
//! line is reported with its number and reason, and nothing is written
//! unless all of them are good. Used by the service-area and menu imports.

use serde::Serialize;

use crate::error::{DomainError, DomainResult};

/// A bad line: its number and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// The column, when one is to blame.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Lines read.
    pub lines: u64,
    /// Communities created.
    pub communities_created: u64,
    /// Communities whose centre or radius changed.
    pub communities_updated: u64,
    /// Villages created.
    pub villages_created: u64,
    /// Villages whose centre changed.
    pub villages_updated: u64,
    /// Agent points created.
    pub points_created: u64,
    /// Agent points whose keeper, phone, place or hours changed.
    pub points_updated: u64,
    /// Routes created.
    pub routes_created: u64,
    /// Routes whose hub or stops changed.
    pub routes_updated: u64,
    /// Menu categories created.
    pub categories_created: u64,
    /// Products created (as drafts, to be submitted for review).
    pub products_created: u64,
    /// Products whose fields changed (a listed product's changed content
    /// goes back to review).
    pub products_updated: u64,
    /// SKUs created.
    pub skus_created: u64,
    /// SKUs whose price or stock changed.
    pub skus_updated: u64,
    /// Lines that changed nothing.
    pub unchanged: u64,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// These lines are bad.
    #[error("{} bad lines", .0.len())]
    BadLines(Vec<LineError>),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Runs `import` on every line, collecting every bad line; the report when
/// all were good.
pub async fn each_line<L>(
    lines: &[L],
    line_of: impl Fn(&L) -> u64,
    mut import: impl AsyncFnMut(&L, &mut ImportReport) -> DomainResult<()>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        lines: lines.len() as u64,
        ..Default::default()
    };
    let mut errors = Vec::new();
    for l in lines {
        if let Err(e) = import(l, &mut report).await {
            errors.push(line_error(line_of(l), e)?);
        }
    }
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(ImportError::BadLines(errors))
    }
}

/// A line's error, or the database's failure (which ends the import).
pub fn line_error(line: u64, e: DomainError) -> Result<LineError, ImportError> {
    match e {
        DomainError::Invalid { field, message } => Ok(LineError {
            line,
            field: field.to_owned(),
            message,
        }),
        DomainError::Db(db) => Err(ImportError::Database(db)),
        other => Ok(LineError {
            line,
            field: String::new(),
            message: other.to_string(),
        }),
    }
}

/// Fen from a price in yuan as spreadsheets write it: `28`, `28.5`, `28.00`
/// (no float on the way: `0.1 + 0.2` stays 30 fen).
pub fn fen_of_yuan(text: &str) -> Result<i64, String> {
    let t = text.trim().trim_start_matches(['¥', '￥']);
    let (whole, frac) = match t.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let frac_ok = frac.is_none_or(|f| digits(f) && f.len() <= 2);
    if !digits(whole) || !frac_ok || whole.len() > 9 {
        return Err(format!(
            "`{text}` is not a price in yuan (e.g. 28 or 28.50)"
        ));
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("`{text}` is too large"))?;
    let cents: i64 = format!("{:0<2}", frac.unwrap_or(""))
        .parse()
        .map_err(|_| format!("`{text}` is not a price"))?;
    Ok(whole * 100 + cents)
}

#[cfg(test)]
mod tests {
    use super::fen_of_yuan;

    #[test]
    fn yuan_become_fen_exactly() {
        assert_eq!(fen_of_yuan("28"), Ok(2_800));
        assert_eq!(fen_of_yuan("28.5"), Ok(2_850));
        assert_eq!(fen_of_yuan(" ¥0.30 "), Ok(30));
        assert_eq!(fen_of_yuan("19.99"), Ok(1_999));
        for bad in ["", "-1", "1.234", "1e3", "abc", "1.", ".5", "12,00"] {
            assert!(fen_of_yuan(bad).is_err(), "{bad:?}");
        }
    }
}
