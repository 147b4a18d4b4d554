//! CSV exports of reports, written by the `csv` crate (RFC 4180 quoting,
//! CRLF), UTF-8 with a byte-order mark so that spreadsheet programs read the
//! Chinese names right.

use actix_web::HttpResponse;
use actix_web::http::header;

/// A CSV document being written.
#[derive(Debug)]
pub struct Csv {
    out: String,
}

impl Csv {
    /// A document with its header row.
    pub fn new(header: &[&str]) -> Self {
        let mut c = Csv {
            out: String::from("\u{feff}"),
        };
        c.row(header.iter().copied());
        c
    }

    /// Appends a row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // Writing into memory fails only on a full memory.
        let _ = w.write_record(cells.into_iter().map(|c| c.as_ref().to_owned()));
        if let Ok(bytes) = w.into_inner() {
            self.out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }

    /// The document as a download named `file_name`.
    pub fn response(self, file_name: &str) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ))
            .body(self.out)
    }

    /// The text written so far.
    pub fn text(&self) -> &str {
        &self.out
    }
}

/// Fen as yuan with two decimals (`-12.05`).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed() {
        let mut c = Csv::new(&["name", "note"]);
        c.row(["花桥包子", "a, \"b\""]);
        assert_eq!(
            c.text(),
            "\u{feff}name,note\r\n花桥包子,\"a, \"\"b\"\"\"\r\n"
        );
    }

    #[test]
    fn yuan_has_two_decimals() {
        assert_eq!(yuan(93_000), "930.00");
        assert_eq!(yuan(-1_205), "-12.05");
        assert_eq!(yuan(5), "0.05");
    }
}
