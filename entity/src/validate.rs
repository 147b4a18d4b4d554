//! Field checks shared by the domain operations; errors name the field.

use crate::error::{DomainError, DomainResult};

/// Trims `v` and checks its length in characters (not bytes: names are Chinese).
pub fn text(field: &'static str, v: &str, min: usize, max: usize) -> DomainResult<String> {
    let v = v.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(DomainError::invalid(
            field,
            format!("must be {min} to {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Trims a required field and checks it is not empty and at most
/// `max_chars` characters long.
pub fn required(field: &'static str, v: &str, max_chars: usize) -> DomainResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if v.chars().count() > max_chars {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// A mainland phone number: an 11-digit mobile, or a landline with its area
/// code; dashes and spaces are dropped.
pub fn phone(field: &'static str, phone: &str) -> DomainResult<String> {
    let p: String = phone.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let ok = p.chars().all(|c| c.is_ascii_digit())
        && ((p.len() == 11 && p.starts_with('1'))
            || (p.starts_with('0') && (10..=12).contains(&p.len())));
    if !ok {
        return Err(DomainError::invalid(
            field,
            "must be an 11-digit mobile number or a landline with area code",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(phone("p", "139-0939-1001").unwrap(), "13909391001");
        assert_eq!(phone("p", "0939-5123456").unwrap(), "09395123456");
        assert!(phone("p", "12345").is_err());
        assert!(phone("p", "2390939100x").is_err());
    }

    #[test]
    fn lengths_count_characters() {
        assert_eq!(text("n", "  花桥包子 ", 1, 4).unwrap(), "花桥包子");
        assert!(text("n", "花桥包子店", 1, 4).is_err());
        assert!(text("n", "   ", 1, 4).is_err());
        assert_eq!(text("n", "", 0, 4).unwrap(), "");
    }
}
