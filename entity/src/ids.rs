//! Random ids and codes from the operating system's CSPRNG: tokens, request
//! ids, the tails of order numbers, trace codes, and the codes a resident,
//! a kitchen or a keeper tells at a handover.

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // No randomness is not recoverable, and any fallback would hand out
    // guessable tokens: stop the process instead.
    if getrandom::fill(&mut buf).is_err() {
        std::process::abort();
    }
    buf
}

/// A code of `n` decimal digits (at most 9), leading zeros kept, for codes
/// that are checked with a limit on wrong tries.
pub fn digits(n: u32) -> String {
    let n = n.clamp(1, 9);
    let modulus = 10u32.pow(n);
    let value = u32::from_le_bytes(random_bytes::<4>()) % modulus;
    format!("{value:0width$}", width = n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_codes_have_their_length() {
        for n in [4, 6] {
            let c = digits(n);
            assert_eq!(c.len(), n as usize);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_ne!(random_bytes::<16>(), random_bytes::<16>());
    }
}
