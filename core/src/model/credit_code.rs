//! The unified social credit code (统一社会信用代码, GB 32100-2015) that names every legal
//! person on the ledger: its format and check character. The rules refuse a record whose code
//! fails here; clients check it before they sign or ask a credit registry.

/// The 31 characters of the unified social credit code (GB 32100-2015): digits and capital
/// letters without I, O, Z, S, V, in value order.
const CREDIT_CODE_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17: 3^(i-1) mod 31.
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_CODE_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u32)
}

/// Why `code` is not a valid 统一社会信用代码, or `None` when it is: 18 characters from the
/// GB 32100-2015 alphabet, positions 3–8 an administrative division code (digits), and the
/// 18th the check character `31 - (Σ value_i × weight_i mod 31)` (31 written as `0`).
pub fn credit_code_problem(code: &str) -> Option<String> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Some(format!(
            "is {} characters, must be 18",
            code.chars().count()
        ));
    }
    let mut sum = 0u32;
    for (i, &c) in bytes.iter().enumerate() {
        let Some(value) = credit_value(c) else {
            return Some(format!(
                "character {} ({:?}) is not one of 0-9 A-H J-N P-R T U W-Y",
                i + 1,
                char::from(c)
            ));
        };
        if (2..8).contains(&i) && !c.is_ascii_digit() {
            return Some(format!(
                "characters 3-8 are the administrative division code and must be digits; character {} is {:?}",
                i + 1,
                char::from(c)
            ));
        }
        if i < 17 {
            sum += value * CREDIT_CODE_WEIGHTS[i];
        }
    }
    let check = (31 - sum % 31) % 31;
    let expected = char::from(CREDIT_CODE_ALPHABET[check as usize]);
    if char::from(bytes[17]) != expected {
        return Some(format!(
            "check character is {:?}, the code's first 17 characters need {expected:?}",
            char::from(bytes[17])
        ));
    }
    None
}

/// Whether `code` is a valid unified social credit code.
pub fn is_valid_credit_code(code: &str) -> bool {
    credit_code_problem(code).is_none()
}

/// Completes the first 17 characters of a credit code with its check character (for tests and
/// demo data).
pub fn with_check_character(first17: &str) -> Option<String> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in bytes.iter().enumerate() {
        sum += credit_value(c)? * CREDIT_CODE_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    let mut code = first17.to_owned();
    code.push(char::from(CREDIT_CODE_ALPHABET[check as usize]));
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in CREDIT_CODE_WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn published_credit_codes_validate() {
        // Codes printed on public business licences and registry pages.
        for code in [
            "914403001922038216", // Huawei Technologies Co., Ltd.
            "91350100M000100Y43", // the GB 32100-2015 worked example
        ] {
            assert_eq!(credit_code_problem(code), None, "{code}");
        }
    }

    #[test]
    fn bad_credit_codes_are_explained() {
        assert!(
            credit_code_problem("91440300192203821")
                .unwrap()
                .contains("17")
        );
        assert!(
            credit_code_problem("914403001922038217")
                .unwrap()
                .contains("check character")
        );
        assert!(
            credit_code_problem("9144030019220382I6")
                .unwrap()
                .contains("not one of")
        );
        assert!(
            credit_code_problem("91A403001922038216")
                .unwrap()
                .contains("division")
        );
        let made = with_check_character("91110108MA01ABCD1").unwrap();
        assert!(is_valid_credit_code(&made));
    }
}
